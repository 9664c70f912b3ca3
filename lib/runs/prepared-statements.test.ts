// The worker's two statements per batch of runs — the load that claims them and the history
// flush — are named: Postgres parses and plans each once per connection (docs/scaling.md «Round
// 12»). Unnamed, they cost their backend ~0.6–0.9 ms of planning per statement.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { closeDb, prisma } from "../db";
import { env } from "../env";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { insertRun } from "../../test/support/worker-helpers";
import { createHistoryWriter, FLUSH_STATEMENT } from "./history-writer";
import { createRunLoader, LOAD_STATEMENT } from "./load-run";

let user: { id: string };
// One connection, so the statements prepared are this pool's only backend's.
const one = new pg.Pool({ connectionString: env().DATABASE_URL, max: 1 });

beforeAll(async () => {
  user = await createUser();
});
afterAll(async () => {
  await one.end();
  await prisma.user.deleteMany({ where: { id: user?.id } });
  await closeDb();
});

const prepared = async () =>
  (await one.query<{ name: string; n: string }>(`SELECT name, count(*) AS n FROM pg_prepared_statements GROUP BY name ORDER BY name`)).rows.map(
    (r) => `${r.name} × ${r.n}`,
  );

describe("the worker's load and history flush", () => {
  it("are prepared once per connection, and a run goes QUEUED → RUNNING → SUCCEEDED through them with the plan Postgres keeps", async () => {
    expect(await prepared()).toEqual([]);
    const pipeline = await createPipeline(user.id);
    const loader = createRunLoader(() => one);
    const writer = createHistoryWriter({ pool: () => one });
    // More executions than Postgres makes custom plans for (5): from the sixth on it may use the
    // generic plan, which must find the same rows (the ids as an array, through the primary key).
    // Forcing it makes that certain for this connection.
    await one.query(`SET plan_cache_mode = force_generic_plan`);
    for (let i = 0; i < 8; i++) {
      const runId = await insertRun(pipeline.id, user.id, { name: `Мария ${i}`, phone: "+7 (999) 123-45-67" });
      const loaded = await loader.run(runId);
      expect(loaded).toMatchObject({ id: runId, status: "RUNNING", claimed: true });
      await writer.commit(
        [
          {
            runId,
            stepId: "compose",
            position: 0,
            actionType: "json-composer",
            name: "Данные «контакта» 💇",
            status: "SUCCEEDED",
            inputJson: null,
            outputJson: JSON.stringify({ phone: "+7 (999) 123-45-67" }),
            error: null,
            attempts: 1,
            truncated: false,
            startedAt: new Date(),
            durationMs: 1,
          },
        ],
        { runId, status: "SUCCEEDED", error: null, failedStepId: null, finishedAt: new Date(), durationMs: 3 },
      );
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, attempts: true, steps: { select: { name: true } } } });
      expect(run).toEqual({ status: "SUCCEEDED", attempts: 1, steps: [{ name: "Данные «контакта» 💇" }] });
    }
    expect(await prepared()).toEqual([`${FLUSH_STATEMENT.name} × 1`, `${LOAD_STATEMENT.name} × 1`]);
  });
});
