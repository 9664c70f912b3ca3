// The template filters (templates.ts) and the Russian formatters behind them (formatters.ts).
import { describe, expect, it } from "vitest";
import { OMITTED, parseToken, renderJson, renderText, renderValue, type TemplateScope } from "./placeholders";
import { isoDateTime, parseDateTime, russianPhone, shortTime } from "./formatters";

const scope = (source: Record<string, unknown>): TemplateScope => ({ source, steps: {}, credentials: {} });
const fail = { field: "f", onMissing: "fail" } as const;
const empty = { field: "f", onMissing: "empty" } as const;
const text = (tpl: string, source: Record<string, unknown>, o: { field: string; onMissing: "fail" | "empty" } = fail) => renderText(tpl, scope(source), o);

describe("filter syntax", () => {
  it("parses chains and default's argument; an unknown filter leaves the braces literal", () => {
    expect(parseToken("source.a | number")).toEqual({ kind: "source", path: "a", cast: "number" });
    expect(parseToken('source.a | trim | default("Без имени") | omitEmpty')).toEqual({
      kind: "source",
      path: "a",
      filters: [{ name: "trim" }, { name: "default", arg: "Без имени" }, { name: "omitEmpty" }],
    });
    expect(parseToken("source.a | omitEmpty | round")).toMatchObject({ filters: [{ name: "omitEmpty" }, { name: "round" }] });
    expect(parseToken("source.a | phone | html")).toMatchObject({ cast: "html", filters: [{ name: "phone" }, { name: "html" }] });
    expect(parseToken("source.a | default('a|b')")).toMatchObject({ filters: [{ name: "default", arg: "a|b" }] });
    expect(parseToken('source["x|y"] | trim')).toMatchObject({ path: '["x|y"]' });
    expect(parseToken("source.a | nope")).toBeNull();
    expect(parseToken("source.a | default")).toBeNull();
    expect(text("{{source.a | nope}}", { a: "1" })).toBe("{{source.a | nope}}");
    // Inside a JSON string the argument's quotes are escaped.
    expect(renderJson('{"n": "{{source.a | default(\\"—\\")}}"}', scope({ a: "" }), fail)).toEqual({ n: "—" });
  });
});

describe("phone", () => {
  it("turns every Russian form into +7XXXXXXXXXX", () => {
    for (const raw of ["8 911 123-45-67", "+7 (911) 123-45-67", "79111234567", "9111234567", " 8(911)1234567 ", "+7 911 123 45 67", "8-911-123-45-67"]) {
      expect(russianPhone(raw), raw).toBe("+79111234567");
      expect(text("{{source.p | phone}}", { p: raw })).toBe("+79111234567");
    }
    expect(russianPhone("+8 911 123 45 67")).toBeNull();
  });

  it("keeps what is not a Russian number as typed (trimmed)", () => {
    expect(text("{{source.p | phone}}", { p: " +49 30 1234567 " })).toBe("+49 30 1234567");
    expect(text("{{source.p | phone}}", { p: "доб. 12" })).toBe("доб. 12");
    expect(text("{{source.p | phone}}", { p: "12345" })).toBe("12345");
    expect(renderValue("{{source.p | phone}}", scope({ p: 89111234567 }), fail)).toBe("+79111234567");
  });
});

describe("dates and times", () => {
  const s = {
    d: "25.11.2026",
    iso: "2026-11-25",
    dt: "25.11.2026 9:05",
    isoDt: "2026-11-25 15:30:00",
    z: "2026-11-25T15:30:00+0300",
    short: "01.02.26",
    t: "9:05",
    bad: "31.02.2026",
  };
  it("Klientiks' formats to ISO and to «25.11.2026»", () => {
    expect(text("{{source.d | date}} {{source.iso | dateRu}} {{source.dt | date}}", s)).toBe("2026-11-25 25.11.2026 2026-11-25");
    expect(text("{{source.dt | datetime}}|{{source.isoDt | datetime}}|{{source.d | datetime}}|{{source.z | datetime}}", s)).toBe(
      "2026-11-25T09:05:00|2026-11-25T15:30:00|2026-11-25T00:00:00|2026-11-25T15:30:00+03:00",
    );
    expect(text("{{source.short | date}}", s)).toBe("2026-02-01");
    expect(text("{{source.t | time}} {{source.isoDt | time}}", s)).toBe("09:05 15:30");
    expect(text("{{source.d | date}}T{{source.t | time}}", s)).toBe("2026-11-25T09:05");
  });

  it("refuses what is not a date, naming the field and the value", () => {
    expect(() => renderText("{{source.bad | date}}", scope(s), { field: "Дата", onMissing: "fail" })).toThrow(
      'Поле Дата: значение "31.02.2026" не является датой (ожидается 25.11.2026 или 2026-11-25)',
    );
    expect(() => text("{{source.d | time}}", s)).toThrow("не является временем");
    expect(parseDateTime("2026-13-01")).toBeNull();
    expect(shortTime("25:00")).toBeNull();
    expect(isoDateTime(parseDateTime("2026-11-25T15:30Z")!)).toBe("2026-11-25T15:30:00Z");
  });
});

describe("number, round, trim, default", () => {
  it("«2 300,50» is a number; round makes a whole one", () => {
    expect(renderValue("{{source.a | number}}", scope({ a: "2 300,50" }), fail)).toBe(2300.5);
    expect(renderValue("{{source.a | round}}", scope({ a: "2 300,50" }), fail)).toBe(2301);
    expect(renderValue("{{source.a | round}}", scope({ a: "1\u00a0499,49" }), fail)).toBe(1499);
    expect(renderJson('{"price": "{{source.a | omitEmpty | round}}"}', scope({ a: "2 300,50" }), fail)).toEqual({ price: 2301 });
    expect(() => renderValue("{{source.a | round}}", scope({ a: "бесплатно" }), fail)).toThrow('значение "бесплатно" не является числом');
  });

  it("trim and default", () => {
    expect(text("[{{source.a | trim}}]", { a: "  Анна \n" })).toBe("[Анна]");
    expect(text('{{source.a | default("Без имени")}}', { a: "   " })).toBe("Без имени");
    expect(text('{{source.a | default("Без имени")}}', { a: "Анна" })).toBe("Анна");
    // default also covers a missing field under «ошибка» — it is the explicit choice.
    expect(text('{{source.none | default("—")}}', {})).toBe("—");
    expect(renderValue("{{source.a | default(0) | number}}", scope({ a: "" }), fail)).toBe(0);
    // An empty value skips formatting filters before a default.
    expect(text('{{source.a | date | default("без даты")}}', { a: "" })).toBe("без даты");
  });
});

describe("omitEmpty", () => {
  it("drops keys, array elements, arrays left empty and objects left with fixed text only", () => {
    const tpl = JSON.stringify({
      firstName: "{{source.first}}",
      lastName: "{{source.last | omitEmpty}}",
      emails: ["{{source.email | omitEmpty}}"],
      phones: ["{{source.phone | omitEmpty | phone}}", "{{source.phone2 | omitEmpty | phone}}"],
      custom_fields_values: [
        { field_code: "PHONE", values: [{ value: "{{source.phone | omitEmpty | phone}}", enum_code: "WORK" }] },
        { field_code: "EMAIL", values: [{ value: "{{source.email | omitEmpty}}", enum_code: "WORK" }] },
      ],
      fixed: [],
      tags: ["Клиентикс"],
    });
    const out = renderJson(tpl, scope({ first: "Анна 🌸", last: "", email: "   ", phone: "8 (911) 123-45-67", phone2: null }), fail);
    expect(out).toEqual({
      firstName: "Анна 🌸",
      phones: ["+79111234567"],
      custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79111234567", enum_code: "WORK" }] }],
      fixed: [],
      tags: ["Клиентикс"],
    });
    const none = renderJson(tpl, scope({ first: "Анна", last: "", email: "", phone: "", phone2: "" }), fail);
    expect(none).toEqual({ firstName: "Анна", fixed: [], tags: ["Клиентикс"] });
  });

  it("accepts a missing field under «ошибка»; bare tokens too; the top level stays", () => {
    expect(renderJson('{"a": {{source.none | omitEmpty}}, "b": {{source.n | omitEmpty | number}}}', scope({ n: "" }), fail)).toEqual({});
    expect(renderJson('{"x": "{{source.none | omitEmpty}}"}', scope({}), fail)).toEqual({});
    expect(renderJson("{{source.none | omitEmpty}}", scope({}), fail)).toBeNull();
    expect(renderValue("{{source.a | omitEmpty}}", scope({ a: "" }), fail)).toBe(OMITTED);
    expect(renderValue("{{source.a | omitEmpty}}", scope({ a: 0 }), fail)).toBe(0);
    expect(renderValue("{{source.a | omitEmpty}}", scope({ a: false }), fail)).toBe(false);
  });

  it("in text an omitted value drops its line", () => {
    const tpl = "Новый клиент\nТелефон: {{source.phone | omitEmpty}}\nE-mail: {{source.email | omitEmpty}}";
    expect(text(tpl, { phone: "+79111234567", email: "" })).toBe("Новый клиент\nТелефон: +79111234567");
    expect(text("E-mail: {{source.email | omitEmpty}}", { email: "" })).toBe("");
    expect(renderJson('{"note": "Телефон: {{source.p | omitEmpty}}", "k": 1}', scope({ p: "" }), fail)).toEqual({ k: 1 });
  });
});

describe("null under each missing-field policy", () => {
  it("«ошибка»: a whole value keeps null, inside text null is an error that says what to add", () => {
    expect(renderJson('{"a": {{source.n}}}', scope({ n: null }), fail)).toEqual({ a: null });
    expect(renderValue("{{source.n}}", scope({ n: null }), fail)).toBeNull();
    expect(() => text("x{{source.n}}", { n: null })).toThrow('Поле f: у {{source.n}} пустое значение (null); добавьте | default("…") или | omitEmpty');
    expect(() => renderJson('{"a": "{{source.n}}"}', scope({ n: null }), fail)).toThrow("пустое значение (null)");
    expect(text('x{{source.n | default("")}}', { n: null })).toBe("x");
  });

  it('«пустое значение»: null is "" inside text and null as a whole value, like a missing field', () => {
    expect(text("x{{source.n}}", { n: null }, empty)).toBe("x");
    expect(renderJson('{"a": {{source.n}}, "b": "{{source.n}}"}', scope({ n: null }), empty)).toEqual({ a: null, b: "" });
  });
});
