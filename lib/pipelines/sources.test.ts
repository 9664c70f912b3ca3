// The definition's sources (docs/sources.md): old definitions read as one source, what steps see.
import { describe, expect, it } from "vitest";
import { allSourceFields, definitionSchema, newSourceId, sourceOfRun, sourceScope, sourcesOf, withSources } from "../definition/schema";

const PIPELINE = "5b0e7f6a-1d2c-4e3f-8a9b-0c1d2e3f4a5b";

describe("sourcesOf", () => {
  it("reads a definition without sources as one webhook source with the old top-level settings, id = the pipeline's", () => {
    const def = definitionSchema.parse({
      sourceFields: [{ path: "client_phone" }],
      sourceType: "vk",
      vk: { confirmation: "abc" },
      dedup: { enabled: true, key: "{{source.id}}" },
      steps: [],
    });
    expect(sourcesOf(def, PIPELINE)).toEqual([
      {
        id: PIPELINE,
        name: "Вебхук",
        type: "vk",
        fields: [{ path: "client_phone" }],
        vk: { confirmation: "abc", credential: "" },
        dedup: { enabled: true, by: "key", key: "{{source.id}}", windowMinutes: 60 },
      },
    ]);
    // The editor's form: the settings moved into the source, nothing left at the top level.
    const written = withSources(def, PIPELINE);
    expect(written.sources).toEqual(sourcesOf(def, PIPELINE));
    expect(written).not.toHaveProperty("vk");
    expect(written.sourceFields).toEqual([]);
    expect(definitionSchema.parse(written)).toEqual(written);
  });

  it("refuses no source, more than 20, a nameless one and two with one id", () => {
    const src = () => ({ id: newSourceId(), name: "Сайт", type: "webhook" });
    expect(definitionSchema.safeParse({ sources: [], steps: [] }).success).toBe(false);
    expect(definitionSchema.safeParse({ sources: Array.from({ length: 21 }, src), steps: [] }).success).toBe(false);
    expect(definitionSchema.safeParse({ sources: [{ ...src(), name: "  " }], steps: [] }).success).toBe(false);
    const one = src();
    expect(definitionSchema.safeParse({ sources: [one, { ...one, name: "Другой" }], steps: [] }).success).toBe(false);
    expect(
      definitionSchema.safeParse({ sources: [src(), { ...src(), type: "schedule", schedule: { kind: "daily", time: "09:30" } }], steps: [] }).success,
    ).toBe(true);
  });
});

describe("what steps see", () => {
  const a = newSourceId();
  const b = newSourceId();
  const def = definitionSchema.parse({
    sources: [
      { id: a, name: "Сайт", type: "webhook", fields: [{ path: "phone" }, { path: "email" }] },
      { id: b, name: "Лендинг", type: "tilda", fields: [{ path: "Phone" }, { path: "phone" }] },
    ],
    steps: [],
  });

  it("the run's source by id; a run without one came from the source whose id is the pipeline's, else the first", () => {
    expect(sourceOfRun(def, b, PIPELINE).name).toBe("Лендинг");
    expect(sourceOfRun(def, null, PIPELINE).name).toBe("Сайт");
    expect(sourceOfRun(definitionSchema.parse({ steps: [] }), null, PIPELINE).id).toBe(PIPELINE);
  });

  it("source.name is the source's name with several sources, unless the request has its own `name`", () => {
    expect(sourceScope({ phone: "1" }, "Лендинг", 2)).toEqual({ phone: "1", name: "Лендинг" });
    expect(sourceScope({ name: "Анна" }, "Лендинг", 2)).toEqual({ name: "Анна" });
    // One source: the payload exactly as before (an empty `name` stays missing for omitEmpty).
    const payload = { phone: "1" };
    expect(sourceScope(payload, "Вебхук", 1)).toBe(payload);
    expect(sourceScope("text", "Лендинг", 2)).toBe("text");
  });

  it("the field list merges every source's fields once", () => {
    expect(allSourceFields(def).map((f) => f.path)).toEqual(["phone", "email", "Phone"]);
  });
});

describe("problems of a source are said in the user's words", () => {
  it("a nameless source: «Источник 2: у источника должно быть название», with its id", async () => {
    const { validateDefinition } = await import("../actions/registry");
    const id = newSourceId();
    const r = validateDefinition({
      sources: [
        { id: newSourceId(), name: "Сайт" },
        { id, name: " " },
      ],
      steps: [],
    });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.text.ru)).toEqual(["Источник 2: у источника должно быть название"]);
    expect(r.issues[0].sourceId).toBe(id);
    expect(validateDefinition({ sources: [], steps: [] }).issues.map((i) => i.text.ru)).toEqual(["Источники: нужен хотя бы один источник"]);
  });
});
