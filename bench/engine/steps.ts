// The engine alone (bench/README.md, "Engine"): the 3-step pipeline of bench:e2e run through
// runSteps with an in-process HTTP answer, its history rows built and its output search terms
// taken, as the worker does — no Postgres, Redis, sockets or BullMQ. Prints CPU µs per run: a
// steady figure for changes to the engine, where runs/s of the whole system swings by the minute.
// bench/engine/run.ts bundles this file with esbuild (as the worker is built) and runs it.
import { runSteps } from "../../lib/engine/run-steps";
import { createStepRowBuilder } from "../../lib/engine/step-rows";
import { definitionSchema } from "../../lib/definition/schema";
import { searchTermsOf } from "../../lib/runs/search-terms";
import type { HttpClient } from "../../lib/actions/define-action";
import { threeStepDefinition } from "../../test/support/worker-helpers";

const def = definitionSchema.parse(threeStepDefinition("http://127.0.0.1:9/echo"));
const http: HttpClient = async (r) => ({
  status: 200,
  headers: { "content-type": "application/json; charset=utf-8", "content-length": "64", date: new Date().toUTCString(), connection: "keep-alive" },
  body: `{"ok":true,"n":${Math.floor(Math.random() * 1e6)},"got":${r.body ?? "null"}}`,
  url: r.url,
});

async function one(i: number): Promise<void> {
  const rows = createStepRowBuilder(`run-${i}`, 1_000_000);
  const pending: unknown[] = [];
  const res = await runSteps({
    runId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    steps: def.steps,
    edges: def.edges,
    source: { name: `Анна «Ли» ${i} 😀`, phone: `+7 (999) 000-${String(i % 100).padStart(2, "0")}-00` },
    credentials: async () => undefined,
    context: () => ({ http }),
    onStepEnd: (rec, json) => void pending.push(rows.fromRecord(rec, json)),
  });
  for (const r of res.records) searchTermsOf(r.output);
  if (res.status !== "succeeded") throw new Error(JSON.stringify(res.error));
}

const runs = Number(process.env.BENCH_ENGINE_RUNS ?? 50_000);
const concurrency = 200;
for (let i = 0; i < 2_000; i++) await one(i);
const c0 = process.cpuUsage();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < runs) await one(next++);
  }),
);
const c = process.cpuUsage(c0);
console.log(`[bench] engine: ${runs} 3-step runs, ${concurrency} at once: ${((c.user + c.system) / runs).toFixed(1)} µs CPU per run`);
