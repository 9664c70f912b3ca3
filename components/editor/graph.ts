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
