// The history writer's statement cadence, against a pool whose statements finish when the test
// says so: how many are in flight, and that a run's writes never overlap.
import { describe, expect, it } from "vitest";
import type pg from "pg";
import { createHistoryWriter } from "./history-writer";

type Call = { runs: { id: string; status: string | null }[]; finish: () => void };

function fakePool() {
  const calls: Call[] = [];
  const pool = {
    query: (_sql: string, params: [Buffer, string]) =>
      new Promise((resolve) => {
        const runs = JSON.parse(params[1]) as { id: string; status: string | null }[];
        calls.push({ runs, finish: () => resolve({ rowCount: runs.length, rows: [] }) });
      }),
  } as unknown as pg.Pool;
  return { calls, pool: () => pool };
}

const tick = () => new Promise((r) => setImmediate(r));
const RUN_A = "00000000-0000-4000-8000-00000000000a";
const RUN_B = "00000000-0000-4000-8000-00000000000b";

describe("history writer: statements in flight", () => {
  it("with one in flight (default), the next batch waits and then goes as one statement", async () => {
    const { calls, pool } = fakePool();
    const w = createHistoryWriter({ pool });
    const a = w.start(RUN_A);
    await tick();
    expect(calls).toHaveLength(1);
    const b = w.start(RUN_B);
    await tick();
    await tick();
    expect(calls).toHaveLength(1); // waits for the first
    calls[0].finish();
    await a;
    await tick();
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1].runs.map((r) => r.id)).toEqual([RUN_B]);
    calls[1].finish();
    await b;
  });

  it("with two in flight, another run's write does not wait, but the same run's next write does", async () => {
    const { calls, pool } = fakePool();
    const w = createHistoryWriter({ pool, maxInFlight: 2 });
    const startA = w.start(RUN_A);
    await tick();
    expect(calls).toHaveLength(1);
    const startB = w.start(RUN_B);
    await tick();
    await tick();
    expect(calls).toHaveLength(2); // B did not wait for A's statement
    // A's finish while A's start mark is still in flight: held back until that statement ends.
    const finishA = w.commit([], { runId: RUN_A, status: "SUCCEEDED", error: null, failedStepId: null, finishedAt: new Date(), durationMs: 1 });
    await tick();
    await tick();
    expect(calls).toHaveLength(2);
    calls[1].finish();
    await startB;
    await tick();
    await tick();
    expect(calls).toHaveLength(2); // still A in flight
    calls[0].finish();
    await startA;
    await tick();
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2].runs).toEqual([expect.objectContaining({ id: RUN_A, status: "SUCCEEDED" })]);
    calls[2].finish();
    await finishA;
    await w.drain();
  });
});

describe("history writer: what Postgres cannot hold", () => {
  it("writes NUL and lone surrogates of a step's name, error, input and output as U+FFFD, and leaves escaped text alone", async () => {
    // The rows go as UTF-8 bytes (a binary json parameter).
    let stepsJson = "";
    const pool = {
      query: (_sql: string, params: [Buffer]) => {
        stepsJson = params[0].toString("utf8");
        return Promise.resolve({ rowCount: 1, rows: [] });
      },
    } as unknown as pg.Pool;
    const w = createHistoryWriter({ pool: () => pool });
    await w.commit([
      {
        runId: RUN_A,
        stepId: "s1",
        position: 0,
        actionType: "json-composer",
        name: "Шаг\u00001",
        status: "FAILED",
        inputJson: JSON.stringify({ a: "x\u0000y", text: "\\u0000 stays text" }),
        outputJson: JSON.stringify(["\ud800", "😀"]),
        error: "bad\udc00",
        attempts: 1,
        truncated: false,
        startedAt: new Date(),
        durationMs: 1,
      },
    ]);
    const [row] = JSON.parse(stepsJson) as { name: string; error: string; input: unknown; output: unknown }[];
    expect(row.name).toBe("Шаг\ufffd1");
    expect(row.error).toBe("bad\ufffd");
    expect(row.input).toEqual({ a: "x\ufffdy", text: "\\u0000 stays text" });
    expect(row.output).toEqual(["\ufffd", "😀"]);
  });
});
