import { describe, expect, it } from "vitest";
import { runOne } from "../../test/support/action-kit";
import { jsonComposer } from "./json-composer";

const source = { first: 'Анна "Аня"', sum: "1 500,00", bad: "abc", paid: "1", phone: "+7 (999) 123-45-67", data: '{"a":1}' };

describe("JSON Компоновщик", () => {
  it("template mode: result is parsed JSON with values in place", async () => {
    const r = await runOne(
      "json-composer",
      { mode: "template", template: '{"firstName": "{{source.first}}", "phones": ["{{source.phone}}"], "amount": 1000}' },
      { source },
    );
    expect(r.record.status).toBe("succeeded");
    expect(r.output).toEqual({ result: { firstName: 'Анна "Аня"', phones: ["+7 (999) 123-45-67"], amount: 1000 } });
  });

  it("fields mode with types", async () => {
    const fields = [
      { key: "title", value: "Сделка {{source.first}}", type: "auto" },
      { key: "amount", value: "{{source.sum}}", type: "number" },
      { key: "paid", value: "{{source.paid}}", type: "boolean" },
      { key: "data", value: "{{source.data}}", type: "json" },
      { key: "phone", value: "{{source.phone}}", type: "string" },
      { key: "fixed", value: "42", type: "number" },
    ];
    const r = await runOne("json-composer", { mode: "fields", fields }, { source });
    expect(r.output).toEqual({
      result: { title: 'Сделка Анна "Аня"', amount: 1500, paid: true, data: { a: 1 }, phone: "+7 (999) 123-45-67", fixed: 42 },
    });
  });

  it("a failed cast names the field and value", async () => {
    const r = await runOne("json-composer", { mode: "fields", fields: [{ key: "amount", value: "{{source.bad}}", type: "number" }] }, { source });
    expect(r.record.status).toBe("failed");
    expect(r.record.error?.message).toBe('Поле amount: значение "abc" не является числом');
  });

  it("missing fields follow onMissing", async () => {
    const cfg = { mode: "template", template: '{"a": "{{source.none}}"}' };
    const failed = await runOne("json-composer", cfg, { source });
    expect(failed.record.error?.message).toBe("Поле «Шаблон» → a: нет значения для {{source.none}}");
    const emptied = await runOne("json-composer", { ...cfg, onMissing: "empty" }, { source });
    expect(emptied.output).toEqual({ result: { a: "" } });
  });

  it("declares its output and a summary", () => {
    const c = jsonComposer.configSchema.parse({ mode: "fields", fields: [{ key: "a" }, { key: "b" }] });
    expect(jsonComposer.outputs(c)).toEqual([{ key: "result", label: { ru: "Результат", en: "Result" } }]);
    expect(jsonComposer.summary(c)).toBe("{ a, b }");
  });
});
