// RunStep rows as the history writer takes them, built under the run's history budget: once a
// run's stored inputs + outputs pass RUN_HISTORY_MAX_BYTES, later steps keep a short preview.
import type { StepRow } from "../runs/history-writer";
import type { DoneStep } from "../runs/load-run";
import type { SkippedStep } from "./run-steps";
import type { RecordJson, StepRecord } from "../actions/step-record";
import { isTruncated, toJson, truncateJson } from "../definition/truncate";

/** What a step is shrunk to once its run's history is over the run's cap. */
const OVER_RUN_CAP_BYTES = 1024;

export type StepRowBuilder = {
  /** A step executed now; `json`: its input and output texts as the executor measured them. */
  fromRecord(r: StepRecord, json?: RecordJson): StepRow;
  /** The original run's step, copied into a re-run. */
  copied(d: DoneStep): StepRow;
  skipped(sk: SkippedStep): StepRow;
  /** Steps this run committed before (re-delivery, wake-up) count against the budget. */
  countDone(done: readonly DoneStep[]): void;
};

export function createStepRowBuilder(runId: string, runMaxBytes: number): StepRowBuilder {
  return new RunStepRows(runId, runMaxBytes);
}

/** One per run (a class: its methods are not closures made again for every run). */
class RunStepRows implements StepRowBuilder {
  /** Bytes of input + output JSON the run's rows hold so far. */
  private used = 0;
  constructor(
    private readonly runId: string,
    private readonly runMaxBytes: number,
  ) {}

  /** The fields every row has; the kinds below add what they know. */
  private row(
    stepId: string,
    position: number,
    actionType: string,
    name: string,
    rest: Omit<StepRow, "runId" | "stepId" | "position" | "actionType" | "name">,
  ): StepRow {
    return { runId: this.runId, stepId, position, actionType, name, ...rest };
  }

  fromRecord(r: StepRecord, json?: RecordJson): StepRow {
    let input = r.input;
    let output = r.output;
    // The texts the executor measured, else serialized here.
    let inputJson = json?.input ?? toJson(input);
    let outputJson = json?.output ?? toJson(output);
    if (this.used + inputJson.length + outputJson.length > this.runMaxBytes) {
      // Over the run's cap: keep a short visible preview instead of the payloads.
      input = truncateJson(input, OVER_RUN_CAP_BYTES);
      output = r.output === null ? null : truncateJson(output, OVER_RUN_CAP_BYTES);
      inputJson = toJson(input);
      outputJson = toJson(output);
    }
    this.used += inputJson.length + outputJson.length;
    return this.row(r.stepId, r.index, r.type, r.name, {
      status: r.status === "succeeded" ? "SUCCEEDED" : "FAILED",
      inputJson,
      outputJson,
      error: r.error?.message ?? null,
      errorDetail: r.error?.detail ?? null,
      attempts: r.attempts,
      truncated: isTruncated(input) || isTruncated(output),
      startedAt: r.startedAt,
      durationMs: r.durationMs,
    });
  }

  copied(d: DoneStep): StepRow {
    const inputJson = toJson(d.input);
    const outputJson = toJson(d.output);
    this.used += inputJson.length + outputJson.length;
    return this.row(d.stepId, d.position, d.actionType, d.name, {
      status: "SUCCEEDED",
      inputJson,
      outputJson,
      error: null,
      attempts: d.attempts,
      truncated: d.truncated,
      startedAt: new Date(d.startedAt.endsWith("Z") ? d.startedAt : `${d.startedAt}Z`),
      durationMs: d.durationMs,
    });
  }

  skipped(sk: SkippedStep): StepRow {
    return this.row(sk.stepId, sk.index, sk.type, sk.name, {
      status: "SKIPPED",
      inputJson: null,
      outputJson: null,
      error: null,
      attempts: 0,
      truncated: false,
      startedAt: new Date(),
      durationMs: 0,
    });
  }

  countDone(done: readonly DoneStep[]): void {
    for (const d of done) this.used += toJson(d.input).length + toJson(d.output).length;
  }
}
