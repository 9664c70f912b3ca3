import { describe, expect, it } from "vitest";
import {
  castValue,
  checkJsonTemplate,
  collectTokens,
  findTokens,
  parseNumber,
  parseToken,
  renderJson,
  renderText,
  renderUrl,
  renderValue,
  type TemplateScope,
} from "./placeholders";

const scope: TemplateScope = {
  source: {
    name: 'Иван "Ваня" Петров',
    note: "line1\nline2\ttab \\ back </script> 🎉",
    amount: "1 500,00",
    bad: "abc",
    count: 3,
    flag: "да",
    obj: { x: [1, 2] },
    jsonText: '{"k": [true, null]}',
    "appointment.time": "10:30",
    path: "a/b c?d&e",
    empty: "",
    nothing: null,
  },
  steps: { s1: { result: { firstName: "Иван", n: 5 }, status: 201 } },
  credentials: { "Weeek токен": "tok-secret-123", plain_key: "pk" },
};
const fail = { field: "f", onMissing: "fail" } as const;
const empty = { field: "f", onMissing: "empty" } as const;

describe("token syntax", () => {
  it("parses the three roots and casts", () => {
    expect(parseToken("source.client.phone")).toEqual({ kind: "source", path: "client.phone" });
    expect(parseToken('source["appointment.time"]')).toEqual({ kind: "source", path: '["appointment.time"]' });
    expect(parseToken("steps.s1.result.firstName")).toEqual({ kind: "step", stepId: "s1", key: "result", path: "firstName" });
    expect(parseToken("steps.s1.body[0].id")).toEqual({ kind: "step", stepId: "s1", key: "body", path: "[0].id" });
    expect(parseToken('credentials["Weeek токен"]')).toEqual({ kind: "credential", name: "Weeek токен" });
    expect(parseToken("credentials.plain_key")).toEqual({ kind: "credential", name: "plain_key" });
    expect(parseToken(" source.amount | number ")).toEqual({ kind: "source", path: "amount", cast: "number" });
    // Escaped quotes, as typed inside a JSON string.
    expect(parseToken('credentials[\\"Weeek токен\\"]')).toEqual({ kind: "credential", name: "Weeek токен" });
  });

  it("leaves other brace expressions as literal text", () => {
    expect(parseToken("client.id")).toBeNull();
    expect(parseToken("process.env.SECRET")).toBeNull();
    expect(renderText("{{client.id}} {{constructor}}", scope, fail)).toBe("{{client.id}} {{constructor}}");
  });

  it("finds tokens whose quoted names contain braces-like text", () => {
    const found = findTokens('x {{credentials["a}}b"]}} y');
    expect(found.map((f) => f.token)).toEqual([{ kind: "credential", name: "a}}b" }]);
    expect(collectTokens({ a: ["{{source.x}}", { b: "{{steps.s1.result}}" }] })).toHaveLength(2);
  });
});

describe("composer result is always valid JSON", () => {
  it("escapes quotes, backslashes, newlines, tabs, Cyrillic, emoji and </script>", () => {
    const tpl = '{ "name": "{{source.name}}", "note": "Заметка: {{source.note}}" }';
    const out = renderJson(tpl, scope, fail);
    expect(out).toEqual({ name: 'Иван "Ваня" Петров', note: "Заметка: line1\nline2\ttab \\ back </script> 🎉" });
    expect(JSON.stringify(out)).toBe('{"name":"Иван \\"Ваня\\" Петров","note":"Заметка: line1\\nline2\\ttab \\\\ back </script> 🎉"}');
  });

  it("a bare single token keeps its type; a quoted one is text", () => {
    const tpl = '{"n": {{source.count}}, "s": "{{source.count}}", "o": {{steps.s1.result}}, "q": "{{steps.s1.result}}"}';
    expect(renderJson(tpl, scope, fail)).toEqual({ n: 3, s: "3", o: { firstName: "Иван", n: 5 }, q: '{"firstName":"Иван","n":5}' });
  });

  it("literal numbers stay numbers (seed: amount 1000)", () => {
    expect(renderJson('{"amount": 1000, "title": "{{source.name}}"}', scope, fail)).toEqual({ amount: 1000, title: 'Иван "Ваня" Петров' });
  });

  it("explicit casts inside tokens", () => {
    const tpl = '{"a": {{source.amount | number}}, "b": "{{source.flag | boolean}}", "c": {{source.jsonText | json}}, "d": {{source.count | string}}}';
    expect(renderJson(tpl, scope, fail)).toEqual({ a: 1500, b: true, c: { k: [true, null] }, d: "3" });
  });

  it("a whole body from one token", () => {
    expect(renderJson("{{steps.s1.result}}", scope, fail)).toEqual({ firstName: "Иван", n: 5 });
  });

  it("tokens in keys and arrays", () => {
    expect(renderJson('{"{{source.count}}": ["{{source.name}}", {{source.count}}]}', scope, fail)).toEqual({ "3": ['Иван "Ваня" Петров', 3] });
  });

  it("reports invalid JSON templates", () => {
    expect(checkJsonTemplate('{"a": {{source.x}} {{source.y}}}')?.message).toMatch(/^Поле template: шаблон не является корректным JSON/);
    expect(checkJsonTemplate('{"a": "{{source.x}}"}')).toBeNull();
    expect(() => renderJson("{a: 1}", scope, fail)).toThrow(/не является корректным JSON/);
  });
});

describe("casts", () => {
  it("number accepts Russian formatting and rejects the rest, naming field and value", () => {
    expect(castValue("1 500,00", "number", "amount")).toBe(1500);
    expect(castValue("1\u00a0500,5", "number", "amount")).toBe(1500.5);
    expect(castValue("-20", "number", "amount")).toBe(-20);
    expect(castValue("1500.25", "number", "amount")).toBe(1500.25);
    expect(castValue(42, "number", "amount")).toBe(42);
    expect(() => castValue("abc", "number", "amount")).toThrow('Поле amount: значение "abc" не является числом');
    expect(() => castValue("1,500.00", "number", "amount")).toThrow('Поле amount: значение "1,500.00" не является числом');
    expect(() => castValue("", "number", "amount")).toThrow('Поле amount: значение "" пустое, а нужно число');
    expect(castValue("", "number", "amount", "empty")).toBeNull();
    expect(parseNumber("12e3")).toBeNull();
  });

  it("boolean, json and string", () => {
    expect(castValue("нет", "boolean", "f")).toBe(false);
    expect(castValue(1, "boolean", "f")).toBe(true);
    expect(() => castValue("maybe", "boolean", "paid")).toThrow('Поле paid: значение "maybe" не является логическим значением (true/false)');
    expect(() => castValue("{oops", "json", "data")).toThrow('Поле data: значение "{oops" не является корректным JSON');
    expect(castValue({ a: 1 }, "string", "f")).toBe('{"a":1}');
    expect(castValue(null, "string", "f")).toBe("");
  });

  it("renderValue: one token keeps type, text stays text, explicit cast applies", () => {
    expect(renderValue("{{source.count}}", scope, fail)).toBe(3);
    expect(renderValue("{{source.obj}}", scope, fail)).toEqual({ x: [1, 2] });
    expect(renderValue("n={{source.count}}", scope, fail)).toBe("n=3");
    expect(renderValue("{{source.amount}}", scope, { ...fail, field: "amount", cast: "number" })).toBe(1500);
    expect(() => renderValue("{{source.bad}}", scope, { ...fail, field: "amount", cast: "number" })).toThrow('Поле amount: значение "abc" не является числом');
    expect(renderValue("1000", scope, { ...fail, cast: "number" })).toBe(1000);
  });
});

describe("URLs", () => {
  it("encodes tokens in path and query", () => {
    expect(renderUrl("https://api.example.com/deals/{{source.path}}/x?q={{source.name}}", scope, fail)).toBe(
      "https://api.example.com/deals/a%2Fb%20c%3Fd%26e/x?q=%D0%98%D0%B2%D0%B0%D0%BD%20%22%D0%92%D0%B0%D0%BD%D1%8F%22%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2",
    );
  });

  it("inserts a base URL token as is", () => {
    const s: TemplateScope = { ...scope, credentials: { base: "https://api.weeek.net" } };
    expect(renderUrl("{{credentials.base}}/public/v1/crm/deals/{{source.path}}", s, fail)).toBe("https://api.weeek.net/public/v1/crm/deals/a%2Fb%20c%3Fd%26e");
  });
});

describe("missing fields", () => {
  it("fail policy names the field and the token", () => {
    expect(() => renderText("x {{source.nope}}", scope, { field: "headers.X", onMissing: "fail" })).toThrow("Поле headers.X: нет значения для {{source.nope}}");
    expect(() => renderJson('{"a": "{{steps.s1.result.missing}}"}', scope, fail)).toThrow("Поле f → a: нет значения для {{steps.s1.result.missing}}");
  });

  it("empty policy never produces 'undefined'", () => {
    expect(renderText("[{{source.nope}}]", scope, empty)).toBe("[]");
    expect(renderJson('{"a": "{{source.nope}}", "b": {{source.nope}}, "c": "x{{source.nope}}y", "d": {{source.nope | number}}}', scope, empty)).toEqual({
      a: "",
      b: null,
      c: "xy",
      d: null,
    });
    expect(renderValue("{{source.nope}}", scope, empty)).toBeNull();
    expect(renderUrl("https://h/{{source.nope}}", scope, empty)).toBe("https://h/");
  });

  it("present null and empty string are values, not missing", () => {
    expect(renderJson('{"a": {{source.nothing}}, "b": "{{source.empty}}"}', scope, fail)).toEqual({ a: null, b: "" });
  });

  it("unknown credential and not-yet-run step always fail", () => {
    expect(() => renderText('{{credentials["Нет такого"]}}', scope, empty)).toThrow("Поле f: ключ доступа «Нет такого» не найден");
    expect(() => renderText("{{steps.s9.result}}", scope, empty)).toThrow("Поле f: шаг s9 не выполнялся раньше этого шага");
  });

  it("source keys with dots work as in Klientiks", () => {
    expect(renderText('{{source.appointment.time}} / {{source["appointment.time"]}}', scope, fail)).toBe("10:30 / 10:30");
  });
});

describe("no code execution, no env", () => {
  it("expressions are lookups only", () => {
    process.env.HF_TEMPLATE_TEST_SECRET = "leak";
    expect(renderText("{{ process.env.HF_TEMPLATE_TEST_SECRET }}{{source.constructor}}", scope, empty)).toBe("{{ process.env.HF_TEMPLATE_TEST_SECRET }}");
    expect(renderText("{{source.name.length}}", scope, empty)).toBe("");
    expect(renderText("{{source.__proto__}}", scope, empty)).toBe("");
  });
});

describe("secrets and text inside URLs and HTML", () => {
  const tg: TemplateScope = { ...scope, credentials: { bot: "123456:ABC-DEF_ghi", hook: "https://b24-x.bitrix24.ru/rest/1/c0de5ecret/" } };

  it("keeps a bot token's ':' in the path, still encodes what would break the path or the query", () => {
    expect(renderUrl('https://api.telegram.org/bot{{credentials["bot"]}}/sendMessage', tg, fail)).toBe(
      "https://api.telegram.org/bot123456:ABC-DEF_ghi/sendMessage",
    );
    expect(renderUrl("https://h/u/{{source.x}}?q={{source.x}}", { ...tg, source: { x: "a@b:c/d?e" } }, fail)).toBe(
      "https://h/u/a@b:c%2Fd%3Fe?q=a%40b%3Ac%2Fd%3Fe",
    );
  });

  it("inserts a whole-base-URL credential (a Bitrix24 webhook) as is", () => {
    expect(renderUrl('{{credentials["hook"]}}crm.lead.add.json', tg, fail)).toBe("https://b24-x.bitrix24.ru/rest/1/c0de5ecret/crm.lead.add.json");
  });

  it("| html escapes markup in values, not in the template", () => {
    const s: TemplateScope = { ...scope, source: { n: `Анна "Ромашка" О'Нил <b>&` } };
    expect(parseToken("source.n | html")).toEqual({ kind: "source", path: "n", cast: "html" });
    expect(renderText("<b>Клиент:</b> {{source.n | html}}", s, fail)).toBe("<b>Клиент:</b> Анна &quot;Ромашка&quot; О'Нил &lt;b&gt;&amp;");
    expect(renderJson('{"text": "<i>{{source.n | html}}</i>"}', s, fail)).toEqual({ text: "<i>Анна &quot;Ромашка&quot; О'Нил &lt;b&gt;&amp;</i>" });
    expect(renderText("[{{source.nope | html}}]", s, empty)).toBe("[]");
  });
});
