// Pure edits of a pipeline definition made by the canvas: insert, delete, reorder, layout.
// Every edit returns a new definition with positions laid out again, so the saved positions
// always match what the canvas shows.
import type { PipelineDefinition, StepDefinition } from "@/lib/pipelines/definition";
import { getAction } from "@/lib/actions/registry";

export const NODE_WIDTH = 300;
export const ROW_GAP = 150;
export const SOURCE_POSITION = { x: 0, y: 0 } as const;

export function stepPosition(index: number): { x: number; y: number } {
  return { x: 0, y: (index + 1) * ROW_GAP };
}

/** Tidy vertical column: source on top, steps below in order. Unchanged positions keep identity. */
export function layout(def: PipelineDefinition): PipelineDefinition {
  const steps = def.steps.map((s, i) => {
    const p = stepPosition(i);
    return s.position && s.position.x === p.x && s.position.y === p.y ? s : { ...s, position: p };
  });
  const sp = def.sourcePosition;
  const sourcePosition = sp && sp.x === SOURCE_POSITION.x && sp.y === SOURCE_POSITION.y ? sp : { ...SOURCE_POSITION };
  return { ...def, sourcePosition, steps };
}

export function newStepId(existing: Iterable<string>, random: () => number = Math.random): string {
  const taken = new Set(existing);
  for (;;) {
    const id = "s_" + Math.floor(random() * 36 ** 6).toString(36).padStart(6, "0");
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
