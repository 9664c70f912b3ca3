// What running a step leaves behind: its outputs (what later steps' placeholders read) and its
// record (what the run's history, «Проверить шаг» and the editor's result view show). Shared by the
// executor (lib/engine/run-steps.ts), the history writer and the editor.
import type { ErrorDetail } from "./define-action";

/** Outputs by step id, then by output key. */
export type StepOutputs = Record<string, Record<string, unknown>>;

/** `detail` is the structured form the run page explains (RunStep.errorDetail). */
export type StepError = { message: string; messageEn: string; code: string; detail?: ErrorDetail };

/**
 * The JSON texts of a record's input and output as the executor measured them for the cap (lib/
 * engine/run-steps.ts, onStepEnd): the history row stores them instead of serializing again.
 */
export type RecordJson = { input: string; output: string };

export type StepRecord = {
  stepId: string;
  /** 0-based position in the definition. */
  index: number;
  name: string;
  type: string;
  status: "succeeded" | "failed";
  /** The resolved input (secrets masked, capped); null when resolution itself failed. */
  input: unknown;
  /** Outputs by key (secrets masked, capped); null on failure. */
  output: unknown;
  error: StepError | null;
  attempts: number;
  startedAt: Date;
  durationMs: number;
};
