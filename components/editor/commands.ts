// Editor commands: each reads and writes the store and talks to /api/v1.
import { api } from "@/components/ui/api";
import { DEFAULT_SOURCE_NAME, MAX_SOURCES, newSourceId, withSources, type PipelineDefinition, type SourceDefinition } from "@/lib/definition/schema";
import type { StepOutputs, StepRecord } from "@/lib/actions/step-record";
import type { ValidationIssue } from "@/lib/actions/registry";
import { definitionJson, type Store } from "./store";
import {
  connect,
  insertAt,
  insertStep,
  layout,
  makeStep,
  moveStep,
  moveStepTo,
  pruneBranchEdges,
  removeFromGraph,
  updateStep,
  type InsertPoint,
} from "./graph";
import type { Locale } from "./placeholders";

export type SourceView = { id: string; name: string; type: string; webhookUrl: string | null };
/** A pipeline as the API returns it to the editor. */
export type PipelineView = {
  id: string;
  name: string;
  status: "RUNNING" | "STOPPED";
  version: number;
  webhookUrl: string;
  sources: SourceView[];
  definition: PipelineDefinition;
};

/** Source id → URL, from the API's view. */
export const sourceUrlsOf = (sources: SourceView[]) => Object.fromEntries(sources.map((s) => [s.id, s.webhookUrl]));

export function editDefinition(store: Store, fn: (def: PipelineDefinition) => PipelineDefinition) {
  store.set((s) => {
    const def = fn(s.def);
    // A kept test output is only valid for the config that produced it.
    const outputs = { ...s.outputs };
    const outputConfigs = { ...s.outputConfigs };
    for (const step of def.steps) {
      if (outputConfigs[step.id] !== undefined && outputConfigs[step.id] !== JSON.stringify(step.config)) {
        delete outputs[step.id];
        delete outputConfigs[step.id];
      }
    }
    return { def, outputs, outputConfigs };
  });
}

/** At a position of the chain (index), or at a point of the graph (an edge or an open end). */
export const addStep = (store: Store, at: number | InsertPoint, type: string, locale: Locale) => {
  const step = makeStep(
    type,
    store.get().def.steps.map((s) => s.id),
    locale,
  );
  editDefinition(store, (d) =>
    typeof at === "number"
      ? d.edges
        ? insertAt(d, { from: d.steps[at - 1]?.id ?? "source", to: d.steps[at]?.id }, step)
        : insertStep(d, at, step)
      : insertAt(d, at, step),
  );
  store.set((s) => ({ selected: step.id, fresh: { ...s.fresh, [step.id]: true } }));
};
/** Joins an open end (a step or a branch) to an existing step. */
export const linkSteps = (store: Store, from: string, branch: string | undefined, to: string) => editDefinition(store, (d) => connect(d, from, branch, to));
export const removeStep = (store: Store, stepId: string) => {
  editDefinition(store, (d) => removeFromGraph(d, stepId));
  store.set((s) => (s.selected === stepId ? { selected: null } : {}));
};
// Reordering is a chain's edit; in a branched graph the order follows the edges.
export const shiftStep = (store: Store, stepId: string, delta: number) => editDefinition(store, (d) => (d.edges ? d : moveStep(d, stepId, delta)));
export const placeStep = (store: Store, stepId: string, index: number) => editDefinition(store, (d) => (d.edges ? d : moveStepTo(d, stepId, index)));
export const patchStep = (store: Store, stepId: string, patch: Parameters<typeof updateStep>[2]) => {
  // Its settings touched: their problems show from now on (a new name alone is not a setting).
  if ("config" in patch && store.get().fresh?.[stepId])
    store.set((s) => ({ fresh: Object.fromEntries(Object.entries(s.fresh ?? {}).filter(([id]) => id !== stepId)) }));
  editDefinition(store, (d) => {
    const next = updateStep(d, stepId, patch);
    // A renamed/removed branch moves its handle: lay out again, drop edges of branches that are gone.
    return next.edges && patch.config ? pruneBranchEdges(layout(next)) : next;
  });
};

/**
 * One setting of a step, computed from the store's current value (never a render's copy: editor
 * changes can arrive before the next render on a busy machine — see StepForm). Touches the step.
 */
export const patchStepConfig = (store: Store, stepId: string, key: string, update: (old: unknown) => unknown) => {
  if (store.get().fresh?.[stepId]) store.set((s) => ({ fresh: Object.fromEntries(Object.entries(s.fresh ?? {}).filter(([id]) => id !== stepId)) }));
  editDefinition(store, (d) => {
    const current = d.steps.find((x) => x.id === stepId);
    return current ? updateStep(d, stepId, { config: { ...current.config, [key]: update(current.config[key]) } }) : d;
  });
};

/** Problems of a step as shown: none for a new step nobody has touched yet (nor tried to save). */
export const visibleIssues = <T>(s: { fresh?: Record<string, true> }, stepId: string, issues: T[] | undefined): T[] | undefined =>
  s.fresh?.[stepId] ? undefined : issues;

export const isDirty = (s: { def: PipelineDefinition; savedJson: string }) => definitionJson(s.def) !== s.savedJson;

function applyPipeline(store: Store, p: PipelineView) {
  const def = layout(withSources(p.definition, p.id));
  store.set((s) => ({
    def,
    savedJson: definitionJson(def),
    version: p.version,
    status: p.status,
    webhookUrl: p.webhookUrl,
    sourceUrls: sourceUrlsOf(p.sources),
    activeSource: def.sources!.some((x) => x.id === s.activeSource) ? s.activeSource : def.sources![0].id,
    name: p.name,
  }));
}

export async function save(store: Store, locale: Locale = "ru"): Promise<void> {
  // Saving shows every problem, new steps' included.
  if (store.get().fresh) store.set(() => ({ fresh: undefined }));
  const s = store.get();
  // A source the definition cannot hold (no name…) is said in the user's words, not the API's path.
  const badSource = s.issues.all.find((i) => i.path.startsWith("sources"));
  if (badSource) throw new Error(badSource.text[locale]);
  const def = s.def;
  const res = await api<{ pipeline: PipelineView }>(`/api/v1/pipelines/${s.pipelineId}`, {
    method: "PATCH",
    body: { definition: def, expectedVersion: s.version },
  });
  // What was sent is what is saved; edits made while the request was in flight stay unsaved.
  // New sources got their URLs with this save.
  store.set(() => ({
    savedJson: definitionJson(def),
    version: res.pipeline.version,
    status: res.pipeline.status,
    webhookUrl: res.pipeline.webhookUrl,
    sourceUrls: sourceUrlsOf(res.pipeline.sources),
  }));
}

export async function setStatus(store: Store, status: "RUNNING" | "STOPPED"): Promise<void> {
  const s = store.get();
  const res = await api<{ pipeline: PipelineView }>(`/api/v1/pipelines/${s.pipelineId}/${status === "RUNNING" ? "start" : "stop"}`, { method: "POST" });
  store.set(() => ({ status: res.pipeline.status }));
}

export async function restore(store: Store, version: number): Promise<void> {
  const s = store.get();
  const res = await api<{ pipeline: PipelineView }>(`/api/v1/pipelines/${s.pipelineId}/versions/${version}/restore`, { body: { expectedVersion: s.version } });
  applyPipeline(store, res.pipeline);
  store.set(() => ({ selected: null, results: {}, outputs: {}, outputConfigs: {} }));
}

/** «Получить» of one source: the fields of its newest request (or of `runId`). */
export async function fetchFields(store: Store, sourceId: string, runId?: string): Promise<boolean> {
  const s = store.get();
  const res = await api<{ found: boolean; runId?: string; sourceFields?: PipelineDefinition["sourceFields"] }>(
    `/api/v1/pipelines/${s.pipelineId}/source-fields`,
    {
      body: { sourceId, ...(runId ? { runId } : {}) },
    },
  );
  if (!res.found || !res.sourceFields) return false;
  const fields = res.sourceFields;
  const put = (d: PipelineDefinition): PipelineDefinition => ({ ...d, sources: d.sources?.map((x) => (x.id === sourceId ? { ...x, fields } : x)) });
  // The server already stored these fields in the saved definition (a saved source); the local
  // saved copy follows so that «Получить» alone does not mark the editor as changed.
  store.set((st) => {
    const saved = withSources(JSON.parse(st.savedJson) as PipelineDefinition, st.pipelineId);
    return { def: put(st.def), savedJson: definitionJson(put(saved)), sampleRunId: res.runId ?? null, outputs: {}, outputConfigs: {}, results: {} };
  });
  return true;
}

/** «Сменить адрес» of one source. */
export async function rotate(store: Store, sourceId: string): Promise<void> {
  const res = await api<{ webhookUrl: string }>(`/api/v1/pipelines/${store.get().pipelineId}/rotate-token?sourceId=${encodeURIComponent(sourceId)}`, {
    method: "POST",
  });
  store.set((s) => ({
    sourceUrls: { ...s.sourceUrls, [sourceId]: res.webhookUrl },
    ...(s.def.sources?.[0]?.id === sourceId ? { webhookUrl: res.webhookUrl } : {}),
  }));
}

// ── sources (docs/sources.md) ──────────────────────────────────────────────────────────────

const sourcesIn = (d: PipelineDefinition): SourceDefinition[] => d.sources ?? [];

/** «Добавить источник»: a webhook source with the next free name («Вебхук 2», …); it becomes the shown one. */
export function addSource(store: Store, baseName: string = DEFAULT_SOURCE_NAME): string | null {
  const list = sourcesIn(store.get().def);
  if (list.length >= MAX_SOURCES) return null;
  const names = new Set(list.map((x) => x.name));
  let n = list.length + 1;
  while (names.has(`${baseName} ${n}`)) n++;
  const source: SourceDefinition = { id: newSourceId(), name: `${baseName} ${n}`, type: "webhook", fields: [] };
  editDefinition(store, (d) => ({ ...d, sources: [...sourcesIn(d), source] }));
  store.set(() => ({ activeSource: source.id }));
  return source.id;
}

export function patchSource(store: Store, sourceId: string, patch: Partial<SourceDefinition>) {
  editDefinition(store, (d) => ({ ...d, sources: sourcesIn(d).map((x) => (x.id === sourceId ? { ...x, ...patch } : x)) }));
}

/** Removes a source (never the last one); its URL stops working once saved. */
export function removeSource(store: Store, sourceId: string) {
  const list = sourcesIn(store.get().def);
  if (list.length <= 1) return;
  editDefinition(store, (d) => ({ ...d, sources: sourcesIn(d).filter((x) => x.id !== sourceId) }));
  store.set((s) => (s.activeSource === sourceId ? { activeSource: sourcesIn(s.def)[0].id } : {}));
}

type TestStepResponse = { earlier: StepRecord[]; record: StepRecord; outputs: StepOutputs };

export async function testStep(store: Store, stepId: string): Promise<StepRecord> {
  const s = store.get();
  const res = await api<TestStepResponse>(`/api/v1/pipelines/${s.pipelineId}/test-step`, {
    body: { stepId, definition: s.def, outputs: s.outputs, ...(s.sampleRunId ? { sampleRunId: s.sampleRunId } : {}) },
  });
  store.set((st) => {
    const results = { ...st.results };
    const outputConfigs = { ...st.outputConfigs };
    const at = Date.now();
    for (const r of [...res.earlier, res.record]) results[r.stepId] = { record: r, at, source: "step" };
    for (const id of Object.keys(res.outputs)) {
      const step = st.def.steps.find((x) => x.id === id);
      if (step) outputConfigs[id] = JSON.stringify(step.config);
    }
    return { results, outputs: { ...st.outputs, ...res.outputs }, outputConfigs };
  });
  return res.record;
}

export type PipelineTestResult = {
  status: "succeeded" | "failed";
  records: StepRecord[];
  error: { stepId: string; message: string; messageEn: string } | null;
};

export async function testPipeline(store: Store): Promise<PipelineTestResult> {
  const s = store.get();
  const res = await api<PipelineTestResult>(`/api/v1/pipelines/${s.pipelineId}/test-pipeline`, {
    body: { definition: s.def, ...(s.sampleRunId ? { sampleRunId: s.sampleRunId } : {}) },
  });
  const at = Date.now();
  store.set(() => ({ results: Object.fromEntries(res.records.map((r) => [r.stepId, { record: r, at, source: "pipeline" as const }])) }));
  return res;
}

export type { ValidationIssue };
