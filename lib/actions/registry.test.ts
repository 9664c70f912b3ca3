import { describe, expect, it } from "vitest";
import { getAction, listActions, validateDefinition, validateStep } from "./registry";
import { buildKlientiksWeeekDefinition } from "../../test/support/fixtures/seed-definition";

describe("registry", () => {
  it("lists the action types with labels and default configs that validate", () => {
    expect(listActions().map((a) => [a.type, a.label.ru])).toEqual([
      ["json-composer", "JSON Компоновщик"],
      ["http-request", "HTTP-запрос"],
      ["json-parser", "JSON-парсер"],
      ["filter", "Фильтр"],
      ["condition", "Условие"],
      ["delay", "Задержка"],
      ["store-find", "Хранилище: найти"],
      ["store-save", "Хранилище: сохранить"],
      ["store-find-or-create", "Хранилище: найти или создать"],
    ]);
    expect(getAction("nope")).toBeUndefined();
    // Defaults are starting points: they leave exactly the fields the user must fill.
    const todo = (type: string) =>
      validateStep({ id: "s", type, name: "", config: getAction(type)!.defaultConfig as Record<string, unknown> }).map((i) => i.path);
    expect(todo("json-composer")).toEqual([]);
    expect(todo("http-request")).toEqual(["config.bodyJson"]);
    expect(todo("json-parser")).toEqual(["config.input"]);
    expect(todo("filter")).toEqual(["config.groups[0].conditions[0].left"]);
    expect(todo("condition")).toEqual(["config.branches[0].groups[0].conditions[0].left"]);
    expect(todo("delay")).toEqual([]);
    expect(todo("store-find")).toEqual(["config.collection", "config.key"]);
    expect(todo("store-save")).toEqual(["config.collection", "config.key", "config.value"]);
    expect(todo("store-find-or-create")).toEqual(["config.collection", "config.key", "config.bodyJson"]);
  });

  it("every action declares its side effects (the engine commits after each external one)", () => {
    for (const a of listActions()) expect(["none", "external"], a.type).toContain(a.sideEffects);
    expect(
      listActions()
        .filter((a) => a.sideEffects === "external")
        .map((a) => a.type),
    ).toEqual(["http-request", "store-save", "store-find-or-create"]);
  });

  it("the source's duplicate key must read a request field", () => {
    const base = { sourceFields: [], steps: [] };
    const dedup = (key: string, by: "key" | "request" = "key") => validateDefinition({ ...base, dedup: { enabled: true, by, key, windowMinutes: 60 } });
    expect(dedup("{{source.appointment_id}}").ok).toBe(true);
    expect(dedup("", "request").ok).toBe(true);
    expect(dedup("").issues.map((i) => i.text.ru)).toEqual([
      "Обработка: dedup.key — ключ дубликатов должен содержать поле запроса, например {{source.appointment_id}}",
    ]);
    expect(dedup("{{steps.s1.id}}").issues.map((i) => i.code)).toEqual(["dedup_key_required"]);
    expect(dedup("{{source.a}}-{{credentials.x}}").issues.map((i) => i.code)).toEqual(["dedup_key_source_only"]);
    expect(validateDefinition({ ...base, dedup: { enabled: true, by: "key", key: "{{source.a}}", windowMinutes: 0 } }).ok).toBe(false);
    expect(validateDefinition({ ...base, dedup: { enabled: true, by: "key", key: "{{source.a}}", windowMinutes: 43_201 } }).ok).toBe(false);
  });

  it("names the step and the field for a missing url", () => {
    const issues = validateStep({ id: "s2", type: "http-request", name: "Создать контакт", config: {} }, 1);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ stepIndex: 1, stepId: "s2", path: "config.url", code: "invalid_type" });
    expect(issues[0].text).toEqual({ ru: "Шаг 2 «Создать контакт»: «Адрес» — обязательное поле", en: 'Step 2 "Создать контакт": "URL" — required' });
  });

  it("unknown type, bad enum, bad nested path, bad JSON template", () => {
    expect(validateStep({ id: "a", type: "telegram", name: "", config: {} }, 0)[0].text.ru).toBe("Шаг 1: type — неизвестный тип действия «telegram»");
    const m = validateStep({ id: "a", type: "http-request", name: "X", config: { url: "https://x", method: "FETCH" } }, 0);
    expect(m[0].text.ru).toBe('Шаг 1 «X»: «Метод» — допустимые значения: "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"');
    const p = validateStep({ id: "a", type: "json-parser", name: "P", config: { input: "{{source.x}}", outputs: [{ name: "id", path: '["open' }] } }, 2);
    expect(p[0].path).toBe("config.outputs[0].path");
    expect(p[0].text.ru).toMatch(/^Шаг 3 «P»: «Поля результата», строка 1, путь — неверный путь/);
    const j = validateStep({ id: "a", type: "json-composer", name: "J", config: { template: '{"a": }' } }, 0);
    expect(j[0].text.ru).toMatch(/^Шаг 1 «J»: «Шаблон» — шаблон не является корректным JSON/);
    expect(j[0].message.en).toMatch(/^the template is not valid JSON/);
    // No internal names anywhere a person reads: not bodyJson, not config.bodyJson.
    const empty = validateStep({ id: "h", type: "http-request", name: "Создать контакт", config: { url: "https://x", bodyType: "json", bodyJson: "" } }, 1);
    expect(empty.map((i) => i.text.ru)).toEqual(["Шаг 2 «Создать контакт»: «Тело запроса» — обязательное поле"]);
    expect(empty[0].label).toEqual({ ru: "«Тело запроса»", en: '"Request body"' });
    const rows = validateStep({ id: "h", type: "http-request", name: "H", config: { url: "https://x", headers: [{ key: "" }], bodyType: "none" } }, 0);
    expect(rows[0].text.ru).toBe("Шаг 1 «H»: «Заголовки», строка 1, ключ — обязательное поле");
    const u = validateStep({ id: "a", type: "http-request", name: "U", config: { url: "ftp://x" } }, 0);
    expect(u[0].message).toEqual({ ru: "адрес должен начинаться с http:// или https://", en: "the URL must start with http:// or https://" });
  });

  it("validateDefinition checks references to earlier steps and their outputs", () => {
    const def = {
      steps: [
        { id: "a", type: "json-composer", name: "A", config: { template: '{"x": "{{steps.b.result}}"}' } },
        { id: "b", type: "json-composer", name: "B", config: { template: '{"x": "{{steps.a.nope}}"}' } },
        { id: "b", type: "json-composer", name: "C", config: {} },
      ],
    };
    const r = validateDefinition(def);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.text.ru)).toEqual([
      "Шаг 1 «A»: {{steps.b.result}} ссылается на шаг, которого нет выше в цепочке",
      "Шаг 2 «B»: {{steps.a.nope}}: у шага a нет результата «nope»",
      "Шаг 3 «C»: id — id «b» уже занят другим шагом",
    ]);
    expect(validateDefinition({ steps: [{ id: "bad id!", type: "x" }] }).issues[0].text.ru).toMatch(/^Шаг 1: id — /);
  });

  it("the Klientiks → Weeek template is valid", () => {
    const r = validateDefinition(buildKlientiksWeeekDefinition({ baseUrl: "https://api.weeek.net", statusId: "st-1", credentialName: "Weeek токен" }));
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

describe("field labels", () => {
  it("are the editor's labels, in both languages", async () => {
    const { FIELD_LABELS } = await import("./field-labels");
    const fs = await import("node:fs");
    for (const locale of ["ru", "en"] as const) {
      const fields = JSON.parse(fs.readFileSync(`messages/${locale}/editor.json`, "utf8")).editor.fields as Record<string, string>;
      expect(Object.fromEntries(Object.entries(FIELD_LABELS).map(([k, v]) => [k, v[locale]]))).toEqual(fields);
    }
  });

  it("every registered type declares its form hints and its failure kinds, and each kind is explained in both languages", async () => {
    const fs = await import("node:fs");
    for (const locale of ["ru", "en"]) {
      const explain = JSON.parse(fs.readFileSync(`messages/${locale}/history.json`, "utf8")).historyPage.explain as Record<string, string>;
      for (const action of listActions()) {
        expect(typeof action.form, action.type).toBe("object");
        expect(Array.isArray(action.errors), action.type).toBe(true);
        for (const kind of [...action.errors, "config", "template", "other"])
          expect(explain[kind], `${action.type}: ${kind} (${locale})`).toEqual(expect.any(String));
      }
    }
    // The request steps say what an answer can fail with; the run page shows their exchange.
    expect(getAction("http-request")!.errors).toContain("rate-limit");
    expect(getAction("store-find-or-create")!.errors).toEqual(getAction("http-request")!.errors);
    expect(
      listActions()
        .filter((a) => a.httpExchange)
        .map((a) => a.type),
    ).toEqual(["http-request"]);
  });
});
