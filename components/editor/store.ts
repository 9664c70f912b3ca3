// The editor's state outside React: nodes subscribe to the slice they show (their own step), so
// editing one step re-renders one node, not the canvas (React Flow performance guide).
import { useSyncExternalStore } from "react";
import type { PipelineDefinition } from "@/lib/definition/schema";
import type { StepOutputs, StepRecord } from "@/lib/actions/step-record";
import { indexIssues, type IssuesIndex } from "./validation";

export type TestResult = { record: StepRecord; at: number; source: "step" | "pipeline" };

export type EditorState = {
  pipelineId: string;
  name: string;
  def: PipelineDefinition;
  /** JSON of the last saved definition; dirty = it differs from def. */
  savedJson: string;
  version: number;
  status: "RUNNING" | "STOPPED";
  webhookUrl: string;
  /** Saved sources' URLs by source id (null: a schedule source; absent: not saved yet). */
  sourceUrls: Record<string, string | null>;
  /** The source shown in the source panel. */
  activeSource: string;
  selected: string | null;
  issues: IssuesIndex;
  credentials: { id: string; name: string }[];
  results: Record<string, TestResult>;
  /** Outputs of tested steps, reused as the «steps before it» of later step tests. */
  outputs: StepOutputs;
  /** Config JSON each kept output was produced with; an edited step's output is dropped. */
  outputConfigs: Record<string, string>;
  sampleRunId: string | null;
  /** Steps added in this session and not edited yet: their problems stay hidden until touched or saved. */
  fresh?: Record<string, true>;
};

export type Store = {
  get: () => EditorState;
  set: (fn: (s: EditorState) => Partial<EditorState>) => void;
  subscribe: (listener: () => void) => () => void;
};

export function createStore(initial: Omit<EditorState, "issues">): Store {
  let state: EditorState = { ...initial, issues: indexIssues(initial.def) };
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(fn) {
      const patch = fn(state);
      const next = { ...state, ...patch };
      if (patch.def && patch.def !== state.def) next.issues = indexIssues(patch.def);
      state = next;
      listeners.forEach((l) => l());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStoreValue<T>(store: Store, selector: (s: EditorState) => T): T {
  return useSyncExternalStore(
    store.subscribe,
    () => selector(store.get()),
    () => selector(store.get()),
  );
}

/** Key order does not matter (the server re-orders keys when it parses a definition). */
export const definitionJson = (def: PipelineDefinition) => stableJson(def);

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
