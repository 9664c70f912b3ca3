import { describe, expect, it } from "vitest";
import { filterPickerGroups, insertAt, labelContext, pickerGroups, readableSummary, tokenSegments } from "./placeholders";
import { buildKlientiksWeeekDefinition } from "@/test/support/fixtures/seed-definition";

const def = buildKlientiksWeeekDefinition({ baseUrl: "https://api.weeek.net", statusId: "st1", credentialName: "Weeek токен" });

describe("token chips", () => {
  it("labels source fields, step outputs (by position and output label) and credentials", () => {
    const ctx = labelContext(def, "ru");
    const segs = tokenSegments('Bearer {{credentials["Weeek токен"]}} {{source.client_phone}} {{steps.parse_contact.contact_id}}', ctx);
    const labels = segs.filter((s) => s.kind === "token").map((s) => (s.kind === "token" ? s.label.text : ""));
    expect(labels).toEqual(["Ключ › Weeek токен", "Источник › client_phone", "Шаг 3 › id контакта"]);
    expect(segs[0]).toEqual({ kind: "text", text: "Bearer ", start: 0, end: 7 });
  });

  it("shows casts and subpaths, and marks references to missing steps or outputs", () => {
    const ctx = labelContext(def, "en");
    const [a, , b, , c] = tokenSegments("{{source.sum | number}} {{steps.create_contact.body.contact.id}} {{steps.gone.x}}", ctx);
    expect(a.kind === "token" && a.label.text).toBe("Source › sum · number");
    expect(b.kind === "token" && b.label.text).toBe("Step 2 › Response body › contact.id");
    expect(c.kind === "token" && c.label).toMatchObject({ broken: true });
    const [d] = tokenSegments("{{steps.create_contact.nope}}", ctx);
    expect(d.kind === "token" && d.label.broken).toBe(true);
  });

  it("leaves other braces (e.g. Klientiks placeholders) as text", () => {
    const segs = tokenSegments("?id={{id}}&x={{source.a}}", labelContext(def, "ru"));
    expect(segs.map((s) => s.kind)).toEqual(["text", "token"]);
  });
});

describe("field picker", () => {
  const groups = pickerGroups({
    def: {
      ...def,
      sourceFields: [
        { path: "client_phone", example: "+79161234567" },
        { path: '["appointment.time"]', example: "10:00" },
      ],
    },
    stepIndex: 3,
    credentials: [{ name: "Weeek токен" }],
    locale: "ru",
  });

  it("offers the source, only earlier steps grouped by step, and credentials by name", () => {
    expect(groups.map((g) => g.title)).toEqual(["Источник", "Шаг 1 · Данные контакта", "Шаг 2 · Создать контакт", "Шаг 3 · ID контакта", "Ключи доступа"]);
    expect(groups[0].items[0]).toEqual({ token: "{{source.client_phone}}", label: "client_phone", chip: "Источник › client_phone", example: "+79161234567" });
    expect(groups[0].items[1].token).toBe('{{source["appointment.time"]}}');
    expect(groups[3].items).toEqual([{ token: "{{steps.parse_contact.contact_id}}", label: "id контакта", chip: "Шаг 3 › id контакта" }]);
    expect(groups[4].items[0].token).toBe('{{credentials["Weeek токен"]}}');
  });

  it("with several sources: every source's fields and `name` — the source's name, for «Условие»", () => {
    const two = pickerGroups({
      def: {
        ...def,
        sourceFields: [],
        sources: [
          { id: "11111111-1111-4111-8111-111111111111", name: "Сайт", type: "webhook", fields: [{ path: "phone" }] },
          { id: "22222222-2222-4222-8222-222222222222", name: "Лендинг", type: "tilda", fields: [{ path: "Phone" }] },
        ],
      },
      stepIndex: 0,
      credentials: [],
      locale: "ru",
    });
    expect(two[0].items.map((i) => [i.token, i.example])).toEqual([
      ["{{source.name}}", "Сайт / Лендинг"],
      ["{{source.phone}}", undefined],
      ["{{source.Phone}}", undefined],
    ]);
  });

  it("searches labels and examples", () => {
    expect(filterPickerGroups(groups, "7916").flatMap((g) => g.items.map((i) => i.label))).toEqual(["client_phone"]);
    expect(filterPickerGroups(groups, "ID КОНТ").map((g) => g.id)).toEqual(["step:parse_contact"]);
    expect(filterPickerGroups(groups, "")).toBe(groups);
  });

  it("inserts at the caret, replacing a selection", () => {
    expect(insertAt("Bearer ", 7, 7, "{{x}}")).toEqual({ text: "Bearer {{x}}", caret: 12 });
    expect(insertAt("abXYcd", 2, 4, "-")).toEqual({ text: "ab-cd", caret: 3 });
  });
});

describe("readableSummary", () => {
  const steps = [{ id: "compose" }, { id: "create" }, { id: "parse_deal" }];
  it("labels source, step and credential tokens and keeps the rest", () => {
    expect(readableSummary("POST api.weeek.net/…/deals/{{steps.parse_deal.deal_id}}/contacts", steps, "ru")).toBe(
      "POST api.weeek.net/…/deals/[Шаг 3 › deal_id]/contacts",
    );
    expect(readableSummary('{"phone": "{{source.client_phone}}", "t": "{{credentials["Weeek токен"]}}"}', steps, "en")).toBe(
      '{"phone": "[Source › client_phone]", "t": "[Credential › Weeek токен]"}',
    );
    expect(readableSummary("?id={{id}}", steps, "ru")).toBe("?id={{id}}");
    expect(readableSummary("x {{steps.gone.result}}", steps, "ru")).toBe("x [? gone › result]");
    expect(readableSummary("plain", steps, "ru")).toBe("plain");
  });
});

describe("filters in chips", () => {
  it("names each filter of a chain in words", async () => {
    const { tokenLabel } = await import("./placeholders");
    const { parseToken } = await import("@/lib/definition/placeholders");
    const ctx = { locale: "ru" as const, steps: new Map() };
    expect(tokenLabel(parseToken("source.client_phone | omitEmpty | phone")!, ctx).text).toBe("Источник › client_phone · пустое не отправлять · телефон +7");
    expect(tokenLabel(parseToken('source.n | default("Без имени")')!, ctx).text).toBe("Источник › n · если пусто «Без имени»");
    expect(tokenLabel(parseToken("source.sum | number")!, { ...ctx, locale: "en" }).text).toBe("Source › sum · number");
  });
});
