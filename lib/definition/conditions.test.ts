import { describe, expect, it } from "vitest";
import { evaluateGroups, evaluateRow, parseDate, type ResolvedRow } from "./conditions";
import { parseMoment, formatMoment } from "../actions/flow";
import { validateDefinition } from "../actions/registry";
import { links } from "../../test/support/links";

const row = (left: unknown, op: ResolvedRow["op"], right = "", type: ResolvedRow["type"] = "auto"): ResolvedRow => ({
  left,
  op,
  right,
  type,
  caseSensitive: false,
});

describe("conditions", () => {
  it("compares numbers as numbers, Russian formats included", () => {
    expect(evaluateRow(row("1 500,00", "gt", "999"))).toBe(true);
    expect(evaluateRow(row("10", "gt", "9"))).toBe(true); // as text "10" < "9"
    expect(evaluateRow(row(1500, "eq", "1500.0"))).toBe(true);
    expect(evaluateRow(row("abc", "gt", "1", "number"))).toBe(false);
  });
  it("compares dates as dates (Moscow time when no zone is written)", () => {
    expect(evaluateRow(row("01.12.2026 10:00", "gt", "2026-11-30"))).toBe(true);
    expect(evaluateRow(row("30.11.2026", "lt", "2026-12-01T00:00:00+03:00", "date"))).toBe(true);
    expect(parseDate("30.11.2026 14:30")).toBe(Date.UTC(2026, 10, 30, 11, 30));
  });
  it("text: equality ignores case, contains, regex, one of, empty", () => {
    expect(evaluateRow(row("Отменена", "eq", "отменена"))).toBe(true);
    expect(evaluateRow(row("Отменена", "ne", "отменена"))).toBe(false);
    expect(evaluateRow(row("Стрижка «Модельная» 💇", "contains", "модельная"))).toBe(true);
    expect(evaluateRow(row("+7 (999) 123-45-67", "regex", "^\\+7"))).toBe(true);
    expect(evaluateRow(row("визит", "in", "новый\nвизит"))).toBe(true);
    expect(evaluateRow(row("3", "in", "1, 2, 3"))).toBe(true);
    expect(evaluateRow(row("", "empty"))).toBe(true);
    expect(evaluateRow(row("  ", "empty"))).toBe(true);
    expect(evaluateRow(row(null, "not_empty"))).toBe(false);
    expect(evaluateRow(row(["a", "b"], "contains", "B"))).toBe(true);
  });
  it("groups: AND inside, OR between", () => {
    const yes = row("1", "eq", "1");
    const no = row("1", "eq", "2");
    expect(evaluateGroups([{ conditions: [yes, no] }])).toBe(false);
    expect(evaluateGroups([{ conditions: [yes, no] }, { conditions: [yes] }])).toBe(true);
  });
  it("«Задержка» reads dates in the step's zone and shows them in it", () => {
    expect(parseMoment("2026-12-01 15:00", "Europe/Moscow")).toBe(Date.UTC(2026, 11, 1, 12, 0));
    expect(parseMoment("01.12.2026 15:00", "Asia/Yekaterinburg")).toBe(Date.UTC(2026, 11, 1, 10, 0));
    expect(parseMoment("2026-12-01T15:00:00Z", "Europe/Moscow")).toBe(Date.UTC(2026, 11, 1, 15, 0));
    expect(parseMoment("завтра", "Europe/Moscow")).toBeNull();
    const now = Date.UTC(2026, 10, 30, 8, 0);
    expect(formatMoment(Date.UTC(2026, 10, 30, 11, 30), "Europe/Moscow", now)).toBe("14:30");
  });
});

describe("graph validation", () => {
  const step = (id: string, type = "json-composer", config: Record<string, unknown> = { template: "{}" }) => ({ id, type, name: id, config });
  const cond = step("c", "condition", {
    branches: [{ key: "b1", name: "Новый", groups: [{ conditions: [{ left: "{{source.kind}}", op: "eq", right: "new" }] }] }],
  });
  it("accepts branches that end separately or join", () => {
    const r = validateDefinition({
      steps: [cond, step("a"), step("b"), step("j", "json-composer", { template: '{"x": {{steps.a.result}}}', onMissing: "empty" })],
      edges: links("source>c", "c>a:b1", "c>b:else", "a>j", "b>j"),
    });
    expect(r.issues.map((i) => i.text.ru)).toEqual([]);
  });
  it("names what is wrong: backward edge, unknown branch, a fan-out without «Условие», unreachable steps, tokens of another branch", () => {
    const r = validateDefinition({
      steps: [cond, step("a"), step("b", "json-composer", { template: '{"x": {{steps.a.result}}}' }), step("z")],
      edges: links("source>c", "c>a:b9", "c>b:else", "b>a", "source>b"),
    });
    const texts = r.issues.map((i) => i.text.ru);
    expect(texts).toContain("Шаг 1 «c»: edges[1] — у связи нет ветки этого условия («b9»)");
    expect(texts).toContain("Шаг 2 «a»: edges[3] — связь ведёт назад по цепочке (циклы не поддерживаются)");
    expect(texts.some((t) => t.includes("только один следующий шаг"))).toBe(true);
    expect(texts).toContain("Шаг 4 «z»: шаг не связан с началом обработки: соедините его с предыдущим шагом");
    expect(texts.some((t) => t.includes("{{steps.a.result}} ссылается на шаг, которого нет выше"))).toBe(true);
  });
});
