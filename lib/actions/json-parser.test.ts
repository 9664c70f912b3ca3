import { describe, expect, it } from "vitest";
import { runOne } from "../../test/support/action-kit";
import { JSONPath } from "jsonpath-plus";
import { evaluatePath, fixOutputKey, jsonParser, slugifyOutputName } from "./json-parser";

const body = { success: true, contact: { id: "c-1", emails: ["a@b.ru"] }, items: [{ id: 1 }, { id: 2 }] };
const outputs = { s0: { body, text: JSON.stringify(body) } };

describe("JSON-парсер", () => {
  it("bracket, dot and JSONPath forms", async () => {
    const r = await runOne(
      "json-parser",
      {
        input: "{{steps.s0.body}}",
        outputs: [
          { name: "id контакта", path: '["contact"]["id"]' },
          { name: "Почта", path: "contact.emails[0]" },
          { name: "ids", path: "$.items[*].id" },
          { name: "one", path: "$.contact.id", key: "contact_id" },
        ],
      },
      { outputs },
    );
    expect(r.output).toEqual({ id_kontakta: "c-1", pochta: "a@b.ru", ids: [1, 2], contact_id: "c-1" });
    expect(jsonParser.outputs(jsonParser.configSchema.parse({ input: "x", outputs: [{ name: "id контакта", path: "a" }] }))).toEqual([
      { key: "id_kontakta", label: "id контакта" },
    ]);
  });

  it("parses JSON text from a step output or a source field", async () => {
    const r1 = await runOne("json-parser", { input: "{{steps.s0.text}}", outputs: [{ name: "id", path: '["contact"]["id"]' }] }, { outputs });
    expect(r1.output).toEqual({ id: "c-1" });
    const r2 = await runOne("json-parser", { input: "{{source.payload}}", outputs: [{ name: "x", path: "x" }] }, { source: { payload: '{"x": [1]}' } });
    expect(r2.output).toEqual({ x: [1] });
    const bad = await runOne("json-parser", { input: "{{source.payload}}", outputs: [{ name: "x", path: "x" }] }, { source: { payload: "not json" } });
    expect(bad.record.error?.message).toBe("Поле «JSON (откуда брать)»: значение не является JSON: not json");
  });

  it("a path with no match fails or yields an empty value", async () => {
    const cfg = { input: "{{steps.s0.body}}", outputs: [{ name: "id сделки", path: '["deal"]["id"]' }] };
    const failed = await runOne("json-parser", cfg, { outputs });
    expect(failed.record.error?.message).toBe('Поле «id сделки»: по пути ["deal"]["id"] ничего нет');
    const emptied = await runOne("json-parser", { ...cfg, onMissing: "empty" }, { outputs });
    expect(emptied.output).toEqual({ id_sdelki: "" });
    const jp = await runOne("json-parser", { ...cfg, outputs: [{ name: "n", path: "$.nothing.here" }] }, { outputs });
    expect(jp.record.error?.message).toBe("Поле «n»: по пути $.nothing.here ничего нет");
  });

  it("never evaluates script in JSONPath filters", async () => {
    const r = await runOne(
      "json-parser",
      { input: "{{steps.s0.body}}", outputs: [{ name: "x", path: "$..items[?(@.constructor.constructor('return process')().exit())]" }] },
      { outputs },
    );
    expect(r.record.status).toBe("failed");
    expect(r.record.error?.message).toMatch(/^Поле «x»: путь .* не вычисляется \(Eval \[\?\(expr\)\] prevented in JSONPath expression\.\)$/);
  });

  it("slugs and duplicate keys", () => {
    expect(slugifyOutputName("Имя клиента (ФИО)")).toBe("imya_klienta_fio");
    expect(slugifyOutputName("!!!")).toBe("value");
    const r = jsonParser.configSchema.safeParse({
      input: "x",
      outputs: [
        { name: "id", path: "a" },
        { name: "ID", path: "b" },
      ],
    });
    expect(r.success).toBe(false);
  });
});

describe("fixOutputKey (the form's hook when an output is named)", () => {
  it("fixes a unique key once, and leaves a row that has one", () => {
    const rows: Record<string, string>[] = [
      { name: "Телефон", path: "a", key: "phone" },
      { name: "phone", path: "b" },
      { name: "", path: "c" },
    ];
    expect(fixOutputKey(rows, 1)[1].key).toBe("phone_2");
    expect(fixOutputKey(rows, 0)).toBe(rows);
    expect(fixOutputKey(rows, 2)).toBe(rows);
  });
});

describe("JSONPath answers (names and indexes walked directly) are jsonpath-plus's own", () => {
  const docs: unknown[] = [
    { contact: { id: 42, phone: "+7 (999) 123-45-67", tags: ["vip", "новый"], empty: "", none: null, zero: 0, no: false } },
    { items: [{ id: "a1", sum: "1 500,00 ₽" }, { id: "b2" }], count: 2, "0": "zero key", name: "Анна 😀" },
    [{ id: 1 }, [2, 3], "строка", null],
    { data: { deals: [] }, text: "многострочный\nтекст", nested: { a: { b: { c: { d: "глубоко" } } } } },
  ];
  const paths = [
    "$.contact.id",
    "$.contact.phone",
    "$.contact.tags",
    "$.contact.tags[1]",
    "$.contact.tags[5]",
    "$.contact.empty",
    "$.contact.none",
    "$.contact.zero",
    "$.contact.no",
    "$.contact.missing.deeper",
    "$.contact.phone.length",
    "$.contact.tags.length",
    "$.items[0].id",
    "$.items[1].sum",
    "$.items[0].sum",
    "$.items",
    "$.count",
    "$[0]",
    "$[0].id",
    "$[1][1]",
    "$[2].length",
    "$[3].x",
    "$.name",
    "$.data.deals",
    "$.data.deals[0]",
    "$.nested.a.b.c.d",
    "$.text",
    "$.constructor",
    "$.toString",
    "$.__proto__",
    "$.items[*].id",
    "$..id",
  ];
  it.each(paths)("%s", (path) => {
    for (const json of docs) {
      const lib = JSONPath({ path, json: json as object, wrap: false, eval: false });
      expect(evaluatePath(json, path)).toEqual(lib === undefined ? { found: false, value: undefined } : { found: true, value: lib });
    }
  });
});
