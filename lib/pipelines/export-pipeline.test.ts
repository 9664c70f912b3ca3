import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { createUser } from "../../test/support/webhook-fixtures";
import { createCredential } from "../credentials/create-credential";
import { getStarterKit } from "../starter-kits/registry";
import { createPipeline } from "./create-pipeline";
import { getPipeline } from "./get-pipeline";
import { exportPipeline, pipelineFileSchema, pipelineToFile } from "./export-pipeline";
import { importPipeline } from "./import-pipeline";
import { definitionSchema, newSourceId } from "../definition/schema";

let alice: { id: string };
let bob: { id: string };

beforeAll(async () => {
  alice = await createUser();
  bob = await createUser();
});
afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [alice?.id, bob?.id].filter(Boolean) as string[] } } });
  await closeDb();
});

const definition = () => {
  const d = getStarterKit("klientiks-weeek-deal")!.build({
    weeekBaseUrl: "https://api.weeek.net",
    credentialName: "Weeek токен",
    statusId: "status-1",
    klientiksEvent: "appointment_created",
  });
  d.sourceFields = d.sourceFields.map((f, i) => (i === 0 ? { ...f, example: "7", type: "string" as const } : f));
  return d;
};

describe("export → import", () => {
  it("round trip keeps the definition; the file has no secret and no webhook token", async () => {
    await createCredential({ userId: alice.id, name: "Weeek токен", secret: "super-secret-weeek-token-1" });
    const original = await createPipeline(alice.id, { name: "Клиентикс → Weeek", definition: definition() });
    const exported = await exportPipeline(alice.id, original.id);
    expect(exported).not.toBeNull();
    const text = JSON.stringify(exported!.file);
    expect(text).not.toContain("super-secret-weeek-token-1");
    expect(text).not.toContain(original.webhookUrl.split("/hooks/")[1]);
    expect(exported!.file).toMatchObject({ format: "hookflow.pipeline", version: 1, name: "Клиентикс → Weeek", credentials: ["Weeek токен"] });
    expect(exported!.removedSecrets).toEqual([]);

    // Through JSON and the API's schema, as the file travels.
    const file = pipelineFileSchema.parse(JSON.parse(JSON.stringify(exported!.file)));
    const { pipeline, missingCredentials } = await importPipeline(alice.id, file);
    expect(missingCredentials).toEqual([]);
    expect(pipeline.id).not.toBe(original.id);
    expect(pipeline.webhookUrl).not.toBe(original.webhookUrl);
    expect(pipeline.status).toBe("STOPPED");
    expect(pipeline.definition).toEqual(original.definition);
    expect((await getPipeline(alice.id, pipeline.id))!.definition).toEqual(original.definition);
  });

  it("several sources travel with their names, types, fields and settings; the copy gets new source ids and URLs", async () => {
    const d = definitionSchema.parse({
      sources: [
        { id: newSourceId(), name: "Сайт", type: "webhook", fields: [{ path: "phone" }], dedup: { enabled: true, key: "{{source.phone}}" } },
        { id: newSourceId(), name: "Tilda", type: "tilda", fields: [{ path: "Phone" }] },
      ],
      steps: [],
    });
    const original = await createPipeline(alice.id, { name: "Два источника", definition: d });
    const file = pipelineFileSchema.parse(JSON.parse(JSON.stringify((await exportPipeline(alice.id, original.id))!.file)));
    for (const s of original.sources) expect(JSON.stringify(file)).not.toContain(s.webhookUrl!.split("/hooks/")[1]);
    const { pipeline } = await importPipeline(alice.id, file);
    const strip = (list: { id: string }[]) => list.map(({ id: _id, ...rest }) => rest);
    expect(strip(pipeline.definition.sources!)).toEqual(strip(d.sources!));
    expect(pipeline.sources.map((s) => s.id).some((id) => original.sources.some((o) => o.id === id))).toBe(false);
    expect(new Set([...pipeline.sources, ...original.sources].map((s) => s.webhookUrl)).size).toBe(4);
  });

  it("a branched definition (Фильтр, Условие, Задержка, edges with branch labels) travels whole", async () => {
    const d = definition();
    const [first, ...rest] = d.steps;
    const branched = {
      ...d,
      steps: [
        {
          id: "only_active",
          type: "filter",
          name: "Не отменена",
          config: { groups: [{ conditions: [{ left: "{{source.appointment_status}}", op: "ne", right: "отменена" }] }] },
        },
        {
          id: "who",
          type: "condition",
          name: "Кто",
          config: { branches: [{ key: "b1", name: "Новый", groups: [{ conditions: [{ left: "{{source.client_id}}", op: "empty" }] }] }] },
        },
        { id: "wait", type: "delay", name: "Ждать", config: { mode: "fixed", amount: 2, unit: "hours" } },
        first,
        ...rest,
      ],
      edges: [
        { from: "source", to: "only_active" },
        { from: "only_active", to: "who" },
        { from: "who", to: "wait", branch: "else" },
        { from: "who", to: first.id, branch: "b1" },
        { from: "wait", to: first.id },
        ...rest.map((s, i) => ({ from: i === 0 ? first.id : rest[i - 1].id, to: s.id })),
      ],
    };
    const original = await createPipeline(alice.id, { name: "С ветками", definition: branched });
    const file = pipelineFileSchema.parse(JSON.parse(JSON.stringify((await exportPipeline(alice.id, original.id))!.file)));
    const { pipeline } = await importPipeline(alice.id, file);
    expect(pipeline.definition.edges).toEqual(branched.edges);
    expect(pipeline.definition).toEqual(original.definition);
  });

  it("reports credentials the importing user does not have", async () => {
    const original = await createPipeline(alice.id, { name: "Чужая", definition: definition() });
    const { file } = (await exportPipeline(alice.id, original.id))!;
    const { pipeline, missingCredentials } = await importPipeline(bob.id, file);
    expect(missingCredentials).toEqual(["Weeek токен"]);
    expect(pipeline.name).toBe("Чужая");
    expect(await getPipeline(bob.id, pipeline.id)).not.toBeNull();
    // Once Bob creates a credential of that name it links by name alone.
    await createCredential({ userId: bob.id, name: "Weeek токен", secret: "bob-token-123456789" });
    expect((await importPipeline(bob.id, file)).missingCredentials).toEqual([]);
  });

  it("another user's pipeline cannot be exported", async () => {
    const original = await createPipeline(alice.id, { name: "Моя", definition: definition() });
    expect(await exportPipeline(bob.id, original.id)).toBeNull();
  });

  it("blanks a token typed straight into an Authorization header", () => {
    const d = definition();
    const step = d.steps[1];
    step.config = {
      ...step.config,
      headers: [
        { key: "Authorization", value: "Bearer pasted-literal-token" },
        { key: "Content-Type", value: "application/json" },
      ],
    };
    const { file, removedSecrets } = pipelineToFile({ name: "x", definition: d });
    expect(JSON.stringify(file)).not.toContain("pasted-literal-token");
    expect(removedSecrets).toEqual([{ stepId: step.id, header: "Authorization" }]);
  });

  it("rejects a file of another format", () => {
    expect(pipelineFileSchema.safeParse({ format: "n8n", version: 1, name: "x", definition: {} }).success).toBe(false);
  });
});
