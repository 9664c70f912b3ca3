import { describe, expect, it } from "vitest";
import {
  deleteStep,
  graphBounds,
  indexForDrop,
  insertStep,
  layout,
  makeStep,
  MIN_READABLE_ZOOM,
  moveStep,
  moveStepTo,
  newStepId,
  panToShow,
  readableViewport,
  ROW_GAP,
  stepBox,
  updateStep,
  VIEW_PADDING,
} from "./graph";
import type { PipelineDefinition } from "@/lib/definition/schema";

const step = (id: string) => ({ id, type: "json-composer", name: id, config: {} });
const def = (...ids: string[]): PipelineDefinition => ({ sourceFields: [], steps: ids.map(step) });
const ids = (d: PipelineDefinition) => d.steps.map((s) => s.id);

describe("graph edits", () => {
  it("inserts at the front, in the middle and at the end, laying out again", () => {
    expect(ids(insertStep(def("a", "b"), 0, step("x")))).toEqual(["x", "a", "b"]);
    expect(ids(insertStep(def("a", "b"), 1, step("x")))).toEqual(["a", "x", "b"]);
    expect(ids(insertStep(def("a", "b"), 2, step("x")))).toEqual(["a", "b", "x"]);
    expect(ids(insertStep(def("a"), 99, step("x")))).toEqual(["a", "x"]);
    const d = insertStep(def("a", "b"), 1, step("x"));
    expect(d.steps.map((s) => s.position)).toEqual([1, 2, 3].map((i) => ({ x: 0, y: i * ROW_GAP })));
    expect(d.sourcePosition).toEqual({ x: 0, y: 0 });
  });

  it("deletes a step and closes the gap; unknown ids change nothing", () => {
    const d = deleteStep(layout(def("a", "b", "c")), "b");
    expect(ids(d)).toEqual(["a", "c"]);
    expect(d.steps[1].position).toEqual({ x: 0, y: 2 * ROW_GAP });
    const same = def("a");
    expect(deleteStep(same, "zzz")).toBe(same);
  });

  it("moves up and down, clamped at the ends", () => {
    expect(ids(moveStep(def("a", "b", "c"), "c", -1))).toEqual(["a", "c", "b"]);
    expect(ids(moveStep(def("a", "b", "c"), "a", 1))).toEqual(["b", "a", "c"]);
    expect(ids(moveStep(def("a", "b", "c"), "a", -1))).toEqual(["a", "b", "c"]);
    expect(ids(moveStepTo(def("a", "b", "c"), "a", 10))).toEqual(["b", "c", "a"]);
  });

  it("maps a drop position to the nearest row", () => {
    expect(indexForDrop(-500, 3)).toBe(0);
    expect(indexForDrop(ROW_GAP * 2 + 10, 3)).toBe(1);
    expect(indexForDrop(ROW_GAP * 2.6, 3)).toBe(2);
    expect(indexForDrop(ROW_GAP * 40, 3)).toBe(2);
  });

  it("keeps step objects whose position did not change", () => {
    const d = layout(def("a", "b"));
    const again = layout(d);
    expect(again.steps[0]).toBe(d.steps[0]);
  });

  it("makes unique ids and steps with the action's default config", () => {
    let n = 0;
    const seq = [0.1, 0.1, 0.2];
    const id1 = newStepId([], () => seq[n++]);
    const id2 = newStepId([id1], () => seq[n++ % 3]);
    expect(id1).toMatch(/^s_[0-9a-z]{6}$/);
    expect(id2).not.toBe(id1);
    const s = makeStep("http-request", [], "ru");
    expect(s.name).toBe("HTTP-запрос");
    expect(s.config).toMatchObject({ method: "POST", bodyType: "json" });
    expect(() => makeStep("nope", [])).toThrow();
  });

  it("updates one step and leaves the definition alone for unknown ids", () => {
    const d = def("a", "b");
    expect(updateStep(d, "b", { name: "B" }).steps[1].name).toBe("B");
    expect(updateStep(d, "zz", { name: "B" })).toBe(d);
  });
});

describe("saved-state comparison", () => {
  it("ignores key order", async () => {
    const { stableJson } = await import("./store");
    expect(stableJson({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: null } })).toBe(stableJson({ a: { c: null, d: [1, { x: 2, y: 1 }] }, b: 1 }));
    expect(stableJson({ a: [1, 2] })).not.toBe(stableJson({ a: [2, 1] }));
  });
});

describe("branched graph edits", () => {
  const cond = {
    id: "c",
    type: "condition",
    name: "c",
    config: { branches: [{ key: "b1", name: "Новый", groups: [{ conditions: [{ left: "{{source.x}}", op: "eq", right: "1" }] }] }] },
  };
  it("a chain stays edge-less until a step branches; the condition continues the chain on its first branch", async () => {
    const { insertAt } = await import("./graph");
    const d1 = insertAt(def("a", "b"), { from: "a", to: "b" }, step("x"));
    expect(ids(d1)).toEqual(["a", "x", "b"]);
    expect(d1.edges).toBeUndefined();
    const d2 = insertAt(def("a", "b"), { from: "a", to: "b" }, cond);
    expect(ids(d2)).toEqual(["a", "c", "b"]);
    expect(d2.edges).toEqual([
      { from: "source", to: "a" },
      { from: "a", to: "c" },
      { from: "c", to: "b", branch: "b1" },
    ]);
    // The «Иначе» end gets its own step, laid out beside the first branch.
    const d3 = insertAt(d2, { from: "c", branch: "else" }, step("e"));
    expect(d3.edges).toContainEqual({ from: "c", to: "e", branch: "else" });
    const pos = Object.fromEntries(d3.steps.map((s) => [s.id, s.position]));
    expect(pos.b!.y).toBe(pos.e!.y);
    expect(pos.e!.x).toBeGreaterThan(pos.b!.x);
  });

  it("joining reorders steps so edges go forward and refuses loops; deleting reconnects", async () => {
    const { connect, insertAt, removeFromGraph, topoOrder } = await import("./graph");
    let d = insertAt(def("a"), { from: "a" }, cond);
    d = insertAt(d, { from: "c", branch: "b1" }, step("x"));
    d = insertAt(d, { from: "c", branch: "else" }, step("y"));
    d = insertAt(d, { from: "x" }, step("j"));
    const joined = connect(d, "y", undefined, "j");
    expect(joined.edges).toContainEqual({ from: "y", to: "j" });
    const order = ids(joined);
    expect(order.indexOf("j")).toBeGreaterThan(order.indexOf("y"));
    expect(connect(joined, "j", undefined, "a")).toBe(joined);
    expect(topoOrder(joined.steps, [...joined.edges!, { from: "j", to: "x" }])).toBeNull();
    const removed = removeFromGraph(joined, "x");
    expect(removed.edges).toContainEqual({ from: "c", to: "j", branch: "b1" });
    expect(ids(removed)).not.toContain("x");
  });
});

describe("viewport", () => {
  it("«Показать всё» fits a short chain, centred, never above 100 %", () => {
    const v = readableViewport(graphBounds(2), 1000, 800);
    expect(v.zoom).toBe(1);
    const b = graphBounds(2);
    expect(v.y + b.height / 2).toBeCloseTo(400);
  });

  it("a long chain keeps text readable and starts at the top instead of shrinking", () => {
    const b = graphBounds(20);
    const v = readableViewport(b, 560, 700);
    expect(v.zoom).toBe(MIN_READABLE_ZOOM);
    expect(12 * v.zoom).toBeGreaterThanOrEqual(11);
    expect(v.y).toBe(VIEW_PADDING); // source at the top
  });

  it("pans (never zooms) just enough to show a step below the canvas, and leaves a visible one alone", () => {
    const view = { x: 100, y: 24, zoom: 1 };
    const box = stepBox(7, 8, true); // the last step and «+ Добавить шаг»
    const moved = panToShow(view, box, 800, 700);
    expect(moved.zoom).toBe(1);
    expect(moved.x).toBe(100);
    expect((box.y + box.height) * moved.zoom + moved.y).toBe(700 - VIEW_PADDING);
    const visible = stepBox(1, 8);
    expect(panToShow(view, visible, 800, 700)).toBe(view);
    const back = panToShow(moved, stepBox(-1, 8), 800, 700); // the source, above the canvas now
    expect(back.y).toBe(VIEW_PADDING);
  });
});
