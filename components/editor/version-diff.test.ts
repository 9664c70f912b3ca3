import { describe, expect, it } from "vitest";
import type { PipelineDefinition } from "@/lib/definition/schema";
import { diffDefinitions, isEmptyDiff } from "./version-diff";
import { layout } from "./graph";

const step = (id: string, config: Record<string, unknown> = {}, name = `Шаг ${id}`) => ({ id, type: "json-composer", name, config });
const def = (...steps: ReturnType<typeof step>[]): PipelineDefinition => ({ sourceFields: [], steps });
const names = (xs: { name: string }[]) => xs.map((x) => x.name);

describe("diffDefinitions", () => {
  it("names steps added, removed and changed (settings or name) by the restore", () => {
    const current = def(step("a"), step("b", { x: 1 }), step("c"), step("d"));
    const target = def(step("a", {}, "Данные контакта"), step("b", { x: 2 }), step("c"), step("n"));
    const d = diffDefinitions(current, target);
    expect(names(d.added)).toEqual(["Шаг n"]);
    expect(names(d.removed)).toEqual(["Шаг d"]);
    expect(names(d.changed)).toEqual(["Данные контакта", "Шаг b"]);
    expect(d.moved).toEqual([]);
    expect(isEmptyDiff(d)).toBe(false);
  });

  it("reports a new order, but not canvas positions or key order", () => {
    const a = step("a", { p: 1, q: 2 });
    const current = layout(def(a, step("b"), step("c")));
    expect(isEmptyDiff(diffDefinitions(current, def(step("a", { q: 2, p: 1 }), step("b"), step("c"))))).toBe(true);
    const d = diffDefinitions(current, def(step("c"), step("a", { p: 1, q: 2 }), step("b")));
    expect(names(d.moved)).toEqual(["Шаг c", "Шаг a", "Шаг b"]);
    expect(d.changed).toEqual([]);
  });

  it("notices changed source fields", () => {
    const d = diffDefinitions(def(), { sourceFields: [{ path: "client_phone" }] as PipelineDefinition["sourceFields"], steps: [] });
    expect(d.sourceFields).toBe(true);
  });
});
