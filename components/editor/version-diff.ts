// What «Восстановить» a version would change, by step (matched by step id): steps added, removed,
// changed (name, action or settings) and moved. Positions on the canvas are not changes.
import { sourcesOf, type PipelineDefinition, type StepDefinition } from "@/lib/definition/schema";
import { stableJson } from "./store";

export type StepRef = { id: string; name: string; type: string };
export type DefinitionDiff = { added: StepRef[]; removed: StepRef[]; changed: StepRef[]; moved: StepRef[]; sourceFields: boolean };

const ref = (s: StepDefinition): StepRef => ({ id: s.id, name: s.name, type: s.type });
const body = (s: StepDefinition) => stableJson({ name: s.name, type: s.type, config: s.config });

/** From `current` (what the editor shows) to `target` (the version to restore). */
export function diffDefinitions(current: PipelineDefinition, target: PipelineDefinition): DefinitionDiff {
  const now = new Map(current.steps.map((s) => [s.id, s]));
  const then = new Map(target.steps.map((s) => [s.id, s]));
  const added = target.steps.filter((s) => !now.has(s.id)).map(ref);
  const removed = current.steps.filter((s) => !then.has(s.id)).map(ref);
  const changed = target.steps.filter((s) => now.has(s.id) && body(now.get(s.id)!) !== body(s)).map(ref);
  // Order among the steps both have: a step is moved when its rank among them differs.
  const commonNow = current.steps.filter((s) => then.has(s.id)).map((s) => s.id);
  const commonThen = target.steps.filter((s) => now.has(s.id));
  const moved = commonThen.filter((s, i) => commonNow[i] !== s.id).map(ref);
  // The sources (names, types, settings, fields) of each version, old definitions read as one source.
  const fields = (d: PipelineDefinition) =>
    stableJson(sourcesOf(d).map(({ id: _id, ...rest }) => ({ ...rest, fields: (rest.fields ?? []).map((f) => f.path) })));
  return { added, removed, changed, moved, sourceFields: fields(current) !== fields(target) };
}

export const isEmptyDiff = (d: DefinitionDiff) => !d.added.length && !d.removed.length && !d.changed.length && !d.moved.length && !d.sourceFields;
