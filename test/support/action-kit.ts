// Shared by the action tests: run one step config through the same engine code the worker uses.
import type { HttpClient, StoreClient } from "../../lib/actions/define-action";
import { testStep } from "../../lib/engine/run-steps";
import type { StepOutputs } from "../../lib/actions/step-record";

export async function runOne(
  type: string,
  config: Record<string, unknown>,
  opts: { source?: unknown; outputs?: StepOutputs; credentials?: Record<string, string>; http?: HttpClient; sleeps?: number[]; store?: StoreClient } = {},
) {
  const http: HttpClient =
    opts.http ??
    (async () => {
      throw new Error("no http in this test");
    });
  return testStep({
    runId: "run1",
    steps: [{ id: "s1", type, name: "Тест", config }],
    stepId: "s1",
    source: opts.source ?? {},
    outputs: opts.outputs ?? {},
    credentials: opts.credentials ?? {},
    context: () => ({
      http,
      store: opts.store,
      sleep: async (ms) => {
        opts.sleeps?.push(ms);
      },
    }),
  });
}
