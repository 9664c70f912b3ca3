import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma, type Prisma } from "../db";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { fetchSourceFields } from "./fetch-source-fields";
import { newWebhookToken, rotateWebhookToken } from "./rotate-webhook-token";
import { updatePipeline } from "./update-pipeline";
import { definitionSchema } from "../definition/schema";
import { listRecentRequests } from "../runs/list-recent-requests";

let owner: { id: string };
let stranger: { id: string };

beforeAll(async () => {
  owner = await createUser();
  stranger = await createUser();
});

afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [owner?.id, stranger?.id].filter(Boolean) as string[] } } });
  await closeDb();
});

async function addRun(
  pipeline: { id: string },
  payload: Prisma.InputJsonObject,
  receivedAt: Date,
  status: "QUEUED" | "NOT_PROCESSED" | "REJECTED" | "SUCCEEDED" = "SUCCEEDED",
) {
  return prisma.run.create({
    data: { pipelineId: pipeline.id, userId: owner.id, version: 1, method: "GET", payload, status, receivedAt },
  });
}

describe("fetchSourceFields", () => {
  it("saves the fields of the newest received request, however old, skipping rejected ones", async () => {
    const p = await createPipeline(owner.id);
    await prisma.pipeline.update({
      where: { id: p.id },
      data: { definition: { sourceFields: [{ path: "old" }], steps: [{ id: "s1", type: "json-composer", name: "", config: {} }] } },
    });
    await addRun(p, { client_id: "1" }, new Date("2024-01-01T00:00:00Z"));
    const newest = await addRun(p, { client_id: "1842", "appointment.time": "10:30", services: ["a", "b"] }, new Date("2024-06-01T00:00:00Z"), "NOT_PROCESSED");
    await addRun(p, { broken: "yes" }, new Date("2024-07-01T00:00:00Z"), "REJECTED");

    const result = await fetchSourceFields({ userId: owner.id, pipelineId: p.id });
    // Run.payload is json (not jsonb), so the fields come back in the order the sender used.
    const expected = [
      { path: "client_id", example: "1842", type: "string" },
      { path: '["appointment.time"]', example: "10:30", type: "string" },
      { path: "services", example: '["a","b"]', type: "array" },
      { path: "services[0]", example: "a", type: "string" },
      { path: "services[1]", example: "b", type: "string" },
    ];
    expect(result).toMatchObject({ found: true, runId: newest.id, receivedAt: newest.receivedAt });
    if (!result?.found) throw new Error("expected fields");
    expect(result.sourceFields).toEqual(expected);

    const saved = await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } });
    expect(saved.definition).toEqual({
      sourceFields: result.sourceFields,
      steps: [{ id: "s1", type: "json-composer", name: "", config: {} }],
    });
  });

  it("uses a chosen run of the same pipeline", async () => {
    const p = await createPipeline(owner.id);
    const older = await addRun(p, { picked: "yes" }, new Date("2024-01-01T00:00:00Z"));
    await addRun(p, { newest: "yes" }, new Date("2024-02-01T00:00:00Z"));
    const result = await fetchSourceFields({ userId: owner.id, pipelineId: p.id, runId: older.id });
    expect(result).toMatchObject({ found: true, runId: older.id, sourceFields: [{ path: "picked", example: "yes" }] });
  });

  it("refuses a run of another pipeline, another user's pipeline and malformed ids", async () => {
    const p = await createPipeline(owner.id);
    const other = await createPipeline(owner.id);
    const foreignRun = await addRun(other, { x: 1 }, new Date());
    expect(await fetchSourceFields({ userId: owner.id, pipelineId: p.id, runId: foreignRun.id })).toBeNull();
    expect(await fetchSourceFields({ userId: stranger.id, pipelineId: other.id })).toBeNull();
    expect(await fetchSourceFields({ userId: owner.id, pipelineId: "not-a-uuid" })).toBeNull();
    const untouched = await prisma.pipeline.findUniqueOrThrow({ where: { id: other.id } });
    expect(untouched.definition).toEqual({ sourceFields: [], steps: [] });
  });

  it("reports that nothing was received and leaves the definition alone", async () => {
    const p = await createPipeline(owner.id);
    expect(await fetchSourceFields({ userId: owner.id, pipelineId: p.id })).toEqual({ found: false });
  });
});

describe("rotateWebhookToken", () => {
  it("gives a new 192-bit base64url token, only to the owner", async () => {
    const p = await createPipeline(owner.id);
    expect(newWebhookToken()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(newWebhookToken(), "base64url")).toHaveLength(24);
    expect(await rotateWebhookToken({ userId: stranger.id, pipelineId: p.id })).toBeNull();
    expect((await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } })).webhookToken).toBe(p.webhookToken);
    const rotated = await rotateWebhookToken({ userId: owner.id, pipelineId: p.id });
    expect(rotated!.webhookToken).not.toBe(p.webhookToken);
    expect((await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } })).webhookToken).toBe(rotated!.webhookToken);
  });
});

describe("several sources (docs/sources.md)", () => {
  it("«Получить» of a source reads only its requests and writes only its fields; rotation is per source", async () => {
    const p = await createPipeline(owner.id);
    const other = "7d1f0c2e-4b5a-4c6d-8e9f-0a1b2c3d4e5f";
    // The old one source keeps the pipeline's id (its old runs have no sourceId); a second one.
    await updatePipeline(owner.id, p.id, {
      definition: definitionSchema.parse({
        sources: [
          { id: p.id, name: "Сайт", type: "webhook", fields: [{ path: "keep" }] },
          { id: other, name: "Лендинг", type: "webhook" },
        ],
        steps: [],
      }),
    });
    await addRun(p, { site_field: "old run, no sourceId" }, new Date("2024-01-01T00:00:00Z"));
    await prisma.run.create({
      data: {
        pipelineId: p.id,
        sourceId: other,
        userId: owner.id,
        version: 2,
        method: "POST",
        payload: { landing_field: "x" },
        status: "SUCCEEDED",
        receivedAt: new Date("2024-02-01T00:00:00Z"),
      },
    });

    const site = await fetchSourceFields({ userId: owner.id, pipelineId: p.id, sourceId: p.id });
    expect(site).toMatchObject({ found: true, sourceFields: [{ path: "site_field" }] });
    const landing = await fetchSourceFields({ userId: owner.id, pipelineId: p.id, sourceId: other });
    expect(landing).toMatchObject({ found: true, sourceFields: [{ path: "landing_field" }] });
    const def = definitionSchema.parse((await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } })).definition);
    expect(def.sources!.map((s) => s.fields?.map((f) => f.path))).toEqual([["site_field"], ["landing_field"]]);

    // Each source's recent requests; a stranger's source id answers nothing.
    expect((await listRecentRequests({ userId: owner.id, pipelineId: p.id, sourceId: other }))!.map((r) => r.summary)).toEqual(["landing_field=x"]);
    expect(await fetchSourceFields({ userId: stranger.id, pipelineId: p.id, sourceId: other })).toBeNull();

    // Rotating the second source leaves the first one's URL (and the pipeline's) alone.
    const before = await prisma.source.findMany({ where: { pipelineId: p.id }, orderBy: { createdAt: "asc" } });
    const rotated = await rotateWebhookToken({ userId: owner.id, pipelineId: p.id, sourceId: other });
    expect(rotated).toMatchObject({ sourceId: other });
    const after = new Map((await prisma.source.findMany({ where: { pipelineId: p.id } })).map((s) => [s.id, s.token]));
    expect(after.get(p.id)).toBe(before.find((s) => s.id === p.id)!.token);
    expect(after.get(other)).toBe(rotated!.webhookToken);
    expect((await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } })).webhookToken).toBe(p.webhookToken);
  });
});
