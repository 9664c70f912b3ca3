// Where a run picks up (pure: no I/O). A re-run from a step (rerunOfId + resumeFromStepId) takes
// the earlier steps' outputs from the original run and copies their rows, so its detail shows
// the chain; a re-delivered or woken run continues after its own committed successful steps (up
// to the first unusable one: from there on it is executed anew).
import type { StepDefinition } from "../definition/schema";
import type { DoneStep } from "../runs/load-run";
import type { StepOutputs } from "../actions/step-record";
import { isTruncated } from "../definition/truncate";

export type ResumePlan =
  | {
      ok: true;
      startIndex: number;
      previousOutputs: StepOutputs;
      /** The original run's steps to copy into this run (re-runs from a step). */
      copy: DoneStep[];
      /** Steps this run has committed already (their rows are not written again). */
      mine: ReadonlySet<string>;
      missingEarlier?: (step: StepDefinition, index: number) => string;
    }
  | { ok: false; error: string; failedStepId: string };

type RunState = { version: number; resumeFromStepId: string | null; done: DoneStep[] | null; original: DoneStep[] | null };

/** A stored output that cannot feed later steps: missing, cut by the history caps, or not an object. */
const unusable = (d: DoneStep) => d.output === null || isTruncated(d.output) || typeof d.output !== "object";

/** A run that starts from the first step with nothing done (the common case): one shared, frozen plan. */
const FRESH: ResumePlan = Object.freeze({
  ok: true as const,
  startIndex: 0,
  previousOutputs: Object.freeze({}) as StepOutputs,
  copy: Object.freeze([]) as unknown as DoneStep[],
  mine: new Set<string>(),
});

export function planResume(run: RunState, steps: readonly StepDefinition[]): ResumePlan {
  if (!run.resumeFromStepId && (!run.done || run.done.length === 0)) return FRESH;
  const previousOutputs: StepOutputs = {};
  const copy: DoneStep[] = [];
  const mine = new Set((run.done ?? []).map((d) => d.stepId));
  let startIndex = 0;
  let missingEarlier: ((step: StepDefinition, index: number) => string) | undefined;

  if (run.resumeFromStepId) {
    const from = steps.findIndex((s) => s.id === run.resumeFromStepId);
    if (from < 0) {
      return { ok: false, error: `Шаг «${run.resumeFromStepId}» не найден в версии ${run.version} обработки`, failedStepId: run.resumeFromStepId };
    }
    const original = new Map((run.original ?? []).map((d) => [d.stepId, d]));
    const bad = new Map<string, string>();
    for (let i = 0; i < from; i++) {
      const d = original.get(steps[i].id);
      if (!d) continue;
      if (unusable(d)) {
        bad.set(steps[i].id, "сохранён в истории не полностью (слишком большой ответ)");
        continue;
      }
      previousOutputs[steps[i].id] = d.output as Record<string, unknown>;
      if (!mine.has(d.stepId)) copy.push(d);
    }
    missingEarlier = (step, i) =>
      `Нельзя повторить с шага ${from + 1}: результат шага ${i + 1} «${step.name}» ${bad.get(step.id) ?? "не выполнен в исходном запуске"}. Повторите запуск с начала.`;
    startIndex = from;
  }

  if (run.done) {
    let cut = Number.POSITIVE_INFINITY;
    for (const d of run.done) if (d.status === "SUCCEEDED" && unusable(d)) cut = Math.min(cut, d.position);
    for (const d of run.done) {
      if (d.status === "SUCCEEDED" && d.position < cut) previousOutputs[d.stepId] = d.output as Record<string, unknown>;
    }
  }
  return { ok: true, startIndex, previousOutputs, copy, mine, missingEarlier };
}
