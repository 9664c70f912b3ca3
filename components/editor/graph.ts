// Pure edits of a pipeline definition made by the canvas: insert, delete, reorder, layout.
// Every edit returns a new definition with positions laid out again, so the saved positions
// always match what the canvas shows.
import { chainEdges, edgesOf, SOURCE_NODE, type EdgeDefinition, type PipelineDefinition, type StepDefinition } from "@/lib/definition/schema";
import { getAction } from "@/lib/actions/registry";

export const NODE_WIDTH = 300;
export const ROW_GAP = 150;
export const SOURCE_POSITION = { x: 0, y: 0 } as const;

export function stepPosition(index: number): { x: number; y: number } {
  return { x: 0, y: (index + 1) * ROW_GAP };
}

export const COL_GAP = NODE_WIDTH + 80;

/** The branches of a step (an «Условие»'s, with «Иначе» last); null for an ordinary step. */
export function branchesOf(step: StepDefinition, locale: "ru" | "en" = "ru"): { key: string; label: string }[] | null {
  const action = getAction(step.type);
  if (action?.flow !== "branch" || !action.branches) return null;
  const parsed = action.configSchema.safeParse(step.config);
  const config = parsed.success ? parsed.data : ({ ...(action.defaultConfig as object), ...step.config } as never);
  try {
    return action.branches(config).map((b) => ({ key: b.key, label: typeof b.label === "string" ? b.label : b.label[locale] }));
  } catch {
    return [];
  }
}

/**
 * Grid cells of a graph: the row is the longest path from the source; the first branch of an
 * «Условие» goes straight down, later ones to the right; a join sits under its leftmost parent.
 * A chain is one column (the same slots as stepPosition).
 */
export function graphCells(def: PipelineDefinition): Map<string, { col: number; row: number }> {
  const cells = new Map<string, { col: number; row: number }>([[SOURCE_NODE, { col: 0, row: 0 }]]);
  const taken = new Set<string>(["0:0"]);
  const incoming = new Map<string, EdgeDefinition[]>();
  for (const e of edgesOf(def)) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e]);
  const byId = new Map(def.steps.map((st) => [st.id, st]));
  for (const st of def.steps) {
    const ins = (incoming.get(st.id) ?? []).filter((e) => cells.has(e.from));
    let row = 1;
    let col = 0;
    if (ins.length > 0) {
      row = Math.max(...ins.map((e) => cells.get(e.from)!.row)) + 1;
      col = Math.min(
        ...ins.map((e) => {
          const from = cells.get(e.from)!;
          const branches = e.branch && byId.get(e.from) ? branchesOf(byId.get(e.from)!) : null;
          const k = branches
            ? Math.max(
                0,
                branches.findIndex((b) => b.key === e.branch),
              )
            : 0;
          return from.col + k;
        }),
      );
    } else {
      col = Math.max(0, ...[...cells.values()].map((c) => c.col)) + 1;
    }
    while (taken.has(`${col}:${row}`)) col++;
    taken.add(`${col}:${row}`);
    cells.set(st.id, { col, row });
  }
  return cells;
}

/** Tidy layout: source on top, steps below (branches side by side). Unchanged positions keep identity. */
export function layout(def: PipelineDefinition): PipelineDefinition {
  const cells = def.edges ? graphCells(def) : null;
  const steps = def.steps.map((s, i) => {
    const c = cells?.get(s.id);
    const p = c ? { x: c.col * COL_GAP, y: c.row * ROW_GAP } : stepPosition(i);
    return s.position && s.position.x === p.x && s.position.y === p.y ? s : { ...s, position: p };
  });
  const sp = def.sourcePosition;
  const sourcePosition = sp && sp.x === SOURCE_POSITION.x && sp.y === SOURCE_POSITION.y ? sp : { ...SOURCE_POSITION };
  return { ...def, sourcePosition, steps };
}

export function newStepId(existing: Iterable<string>, random: () => number = Math.random): string {
  const taken = new Set(existing);
  for (;;) {
    const id =
      "s_" +
      Math.floor(random() * 36 ** 6)
        .toString(36)
        .padStart(6, "0");
    if (!taken.has(id)) return id;
  }
}

/** A new step of `type` with the action's default config, named after the action. */
export function makeStep(type: string, existingIds: Iterable<string>, locale: "ru" | "en" = "ru", random?: () => number): StepDefinition {
  const action = getAction(type);
  if (!action) throw new Error(`unknown action type ${type}`);
  return {
    id: newStepId(existingIds, random),
    type,
    name: action.label[locale],
    config: structuredClone(action.defaultConfig) as Record<string, unknown>,
  };
}

/** Inserts `step` so that it becomes steps[index] (index = steps.length appends). */
export function insertStep(def: PipelineDefinition, index: number, step: StepDefinition): PipelineDefinition {
  const at = Math.max(0, Math.min(index, def.steps.length));
  const steps = [...def.steps.slice(0, at), step, ...def.steps.slice(at)];
  return layout({ ...def, steps });
}

export function deleteStep(def: PipelineDefinition, stepId: string): PipelineDefinition {
  if (!def.steps.some((s) => s.id === stepId)) return def;
  return layout({ ...def, steps: def.steps.filter((s) => s.id !== stepId) });
}

/** Moves a step to position `to` (clamped); the others keep their relative order. */
export function moveStepTo(def: PipelineDefinition, stepId: string, to: number): PipelineDefinition {
  const from = def.steps.findIndex((s) => s.id === stepId);
  if (from < 0) return def;
  const target = Math.max(0, Math.min(to, def.steps.length - 1));
  if (target === from) return layout(def);
  const steps = [...def.steps];
  const [step] = steps.splice(from, 1);
  steps.splice(target, 0, step);
  return layout({ ...def, steps });
}

export function moveStep(def: PipelineDefinition, stepId: string, delta: number): PipelineDefinition {
  const from = def.steps.findIndex((s) => s.id === stepId);
  return from < 0 ? def : moveStepTo(def, stepId, from + delta);
}

/** Where a node dropped at vertical position `y` belongs: the row whose slot is nearest. */
export function indexForDrop(y: number, stepCount: number): number {
  const slot = Math.round(y / ROW_GAP) - 1;
  return Math.max(0, Math.min(slot, stepCount - 1));
}

export function updateStep(def: PipelineDefinition, stepId: string, patch: Partial<Omit<StepDefinition, "id">>): PipelineDefinition {
  let changed = false;
  const steps = def.steps.map((s) => {
    if (s.id !== stepId) return s;
    changed = true;
    return { ...s, ...patch };
  });
  return changed ? { ...def, steps } : def;
}

// ── Graph edits (definitions with edges; a chain gets its edges the first time it branches) ──────

/** Where a new step goes: on an existing edge, or at an open end (a step, or a branch of one). */
export type InsertPoint = { from: string; branch?: string; to?: string };

const sameEdge = (a: EdgeDefinition, b: { from: string; to?: string; branch?: string }) =>
  a.from === b.from && a.to === b.to && (a.branch ?? "") === (b.branch ?? "");

/** Inserts `step` at `point`. A chain stays a chain (no edges) unless the step branches. */
export function insertAt(def: PipelineDefinition, point: InsertPoint, step: StepDefinition): PipelineDefinition {
  const branches = branchesOf(step);
  if (!def.edges && !branches) {
    const index = point.to ? def.steps.findIndex((s) => s.id === point.to) : def.steps.length;
    return insertStep(def, index < 0 ? def.steps.length : index, step);
  }
  const edges = [...edgesOf(def)];
  const out = branches?.[0]?.key;
  let index: number;
  if (point.to) {
    const i = edges.findIndex((e) => sameEdge(e, point));
    if (i < 0) return def;
    edges.splice(
      i,
      1,
      { from: point.from, to: step.id, ...(point.branch ? { branch: point.branch } : {}) },
      { from: step.id, to: point.to, ...(out ? { branch: out } : {}) },
    );
    index = def.steps.findIndex((s) => s.id === point.to);
  } else {
    edges.push({ from: point.from, to: step.id, ...(point.branch ? { branch: point.branch } : {}) });
    index = point.from === SOURCE_NODE ? 0 : def.steps.findIndex((s) => s.id === point.from) + 1;
  }
  const steps = [...def.steps];
  steps.splice(Math.max(0, index), 0, step);
  return layout({ ...def, steps, edges });
}

/** Deletes a step; what led into it now leads to what came after it (an «Условие»: its first branch). */
export function removeFromGraph(def: PipelineDefinition, stepId: string): PipelineDefinition {
  if (!def.edges) return deleteStep(def, stepId);
  if (!def.steps.some((s) => s.id === stepId)) return def;
  const ins = def.edges.filter((e) => e.to === stepId);
  const next = def.edges.find((e) => e.from === stepId);
  const edges = def.edges.filter((e) => e.from !== stepId && e.to !== stepId);
  if (next) for (const e of ins) edges.push({ from: e.from, to: next.to, ...(e.branch ? { branch: e.branch } : {}) });
  return layout(compact({ ...def, steps: def.steps.filter((s) => s.id !== stepId), edges }));
}

/**
 * Connects an open end (or re-points an edge) to an existing step — how branches join. Refuses a
 * loop; reorders `steps` so every edge still goes forward.
 */
export function connect(def: PipelineDefinition, from: string, branch: string | undefined, to: string): PipelineDefinition {
  if (from === to || to === SOURCE_NODE) return def;
  const edges = edgesOf(def).filter((e) => !(e.from === from && (e.branch ?? "") === (branch ?? "")));
  edges.push({ from, to, ...(branch ? { branch } : {}) });
  const steps = topoOrder(def.steps, edges);
  return steps ? layout({ ...def, steps, edges }) : def;
}

/** `steps` reordered so that every edge goes forward (stable); null when the edges make a loop. */
export function topoOrder(steps: StepDefinition[], edges: EdgeDefinition[]): StepDefinition[] | null {
  const indeg = new Map(steps.map((s) => [s.id, 0]));
  for (const e of edges) if (e.from !== SOURCE_NODE && indeg.has(e.to) && indeg.has(e.from)) indeg.set(e.to, indeg.get(e.to)! + 1);
  const out: StepDefinition[] = [];
  const done = new Set<string>();
  while (out.length < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && indeg.get(s.id) === 0);
    if (!next) return null;
    done.add(next.id);
    out.push(next);
    for (const e of edges) if (e.from === next.id && indeg.has(e.to)) indeg.set(e.to, indeg.get(e.to)! - 1);
  }
  return out;
}

/** Drops edges of branches an «Условие» no longer has (a branch deleted in its form). */
export function pruneBranchEdges(def: PipelineDefinition): PipelineDefinition {
  if (!def.edges) return def;
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const edges = def.edges.filter((e) => {
    if (!e.branch) return true;
    const b = byId.get(e.from) ? branchesOf(byId.get(e.from)!) : null;
    return !b || b.some((x) => x.key === e.branch);
  });
  return edges.length === def.edges.length ? def : layout({ ...def, edges });
}

/** A definition whose edges are the plain chain goes back to the compact form (no edges). */
export function compact(def: PipelineDefinition): PipelineDefinition {
  if (!def.edges) return def;
  const chain = chainEdges(def.steps);
  if (def.edges.length !== chain.length || def.steps.some((s) => branchesOf(s))) return def;
  const same = def.edges.every((e, i) => sameEdge(e, chain[i]));
  if (!same) return def;
  const { edges: _edges, ...rest } = def;
  return rest;
}

// ---- Viewport: readable text, panning instead of shrinking ----

export const NODE_HEIGHT = 96;
/** The «+ Добавить шаг» node under the last step. */
export const ADD_NODE_HEIGHT = 40;
/** Room on the right of a node for its ↑ ↓ ✕ buttons. */
const NODE_TOOLS = 44;
/** The smallest text on a node is 12 px: below this zoom it would drop under 11 px. */
export const MIN_READABLE_ZOOM = 11 / 12;
export const VIEW_PADDING = 24;

export type Box = { x: number; y: number; width: number; height: number };
export type Viewport = { x: number; y: number; zoom: number };

/** The whole chain in flow coordinates: source, steps, «+ Добавить шаг». */
export function graphBounds(stepCount: number): Box {
  return { x: 0, y: SOURCE_POSITION.y, width: NODE_WIDTH + NODE_TOOLS, height: stepPosition(stepCount).y + 10 + ADD_NODE_HEIGHT };
}

/** Flow-coordinate box of step `index` (-1: the source); with `withAdd`, down to the add node. */
export function stepBox(index: number, stepCount: number, withAdd = false): Box {
  const top = index < 0 ? SOURCE_POSITION.y : stepPosition(index).y;
  const bottom = withAdd ? stepPosition(stepCount).y + 10 + ADD_NODE_HEIGHT : top + NODE_HEIGHT;
  return { x: 0, y: top, width: NODE_WIDTH + NODE_TOOLS, height: bottom - top };
}

/**
 * «Показать всё» that keeps text readable: zoom to fit, but never below MIN_READABLE_ZOOM (nor
 * above 1). A chain taller than the canvas at that zoom starts at the top; the rest is reached by
 * scrolling the canvas (mouse wheel pans it).
 */
export function readableViewport(bounds: Box, width: number, height: number, pad = VIEW_PADDING): Viewport {
  const fit = Math.min((width - 2 * pad) / bounds.width, (height - 2 * pad) / bounds.height);
  const zoom = Math.max(MIN_READABLE_ZOOM, Math.min(1, fit));
  const x = bounds.width * zoom + 2 * pad <= width ? (width - bounds.width * zoom) / 2 - bounds.x * zoom : pad - bounds.x * zoom;
  const y = bounds.height * zoom + 2 * pad <= height ? (height - bounds.height * zoom) / 2 - bounds.y * zoom : pad - bounds.y * zoom;
  return { x, y, zoom };
}

/** The viewport moved (not zoomed) just enough to show `box`; the same viewport when it is visible. */
export function panToShow(view: Viewport, box: Box, width: number, height: number, pad = VIEW_PADDING): Viewport {
  const dx = clampShift(view.x, box.x, box.width, width, view.zoom, pad);
  const dy = clampShift(view.y, box.y, box.height, height, view.zoom, pad);
  return dx === 0 && dy === 0 ? view : { x: view.x + dx, y: view.y + dy, zoom: view.zoom };
}

function clampShift(offset: number, start: number, size: number, extent: number, zoom: number, pad: number): number {
  const top = start * zoom + offset;
  const bottom = (start + size) * zoom + offset;
  if (bottom - top > extent - 2 * pad) return pad - top; // too big: show its start
  if (top < pad) return pad - top;
  if (bottom > extent - pad) return extent - pad - bottom;
  return 0;
}
