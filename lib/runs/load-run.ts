// What the worker reads to execute a run: the Run row (with its committed steps when it ran
// before, and the original's steps for a re-run from a step) and the pipeline version it was
// received for. Calls made in the same tick share one statement; parsed versions are cached
// (a saved version never changes).
import type pg from "pg";
import { definitionSchema, type PipelineDefinition } from "../definition/schema";

/** A step row as committed earlier (this run's own, or the original run's for a re-run). */
export type DoneStep = {
  stepId: string;
  status: string;
  output: unknown;
  input: unknown;
  error: string | null;
  attempts: number;
  truncated: boolean;
  startedAt: string;
  durationMs: number;
  actionType: string;
  name: string;
  position: number;
};

export type LoadedRun = {
  id: string;
  status: string;
  pipelineId: string;
  userId: string;
  version: number;
  payload: unknown;
  /** The source that delivered the event (null: a run from before several sources = the first). */
  sourceId: string | null;
  method: string;
  receivedAt: Date;
  resumeFromStepId: string | null;
  rerunOfId: string | null;
  searchTerms: string[];
  /** WAITING runs: the end of their «Задержка» (ms since epoch; stored as UTC). */
  waitUntilMs: number | null;
  /** This run's own committed steps (only loaded when it was started before). */
  done: DoneStep[] | null;
  /** The original run's successful steps (re-runs only). */
  original: DoneStep[] | null;
  /**
   * Marked RUNNING (attempts + 1, startedAt) by the load itself: a QUEUED or RUNNING run. Its
   * status is RUNNING then; an unclaimed run shows the status it had.
   */
  claimed: boolean;
  /** When the claim marked it started (claimed runs). */
  startedAt: Date;
};

const STEP_JSON = `json_build_object('stepId', s."stepId", 'status', s.status, 'output', s.output, 'input', s.input,
  'error', s.error, 'attempts', s.attempts, 'truncated', s.truncated, 'startedAt', s."startedAt", 'durationMs', s."durationMs",
  'actionType', s."actionType", 'name', s.name, 'position', s.position)`;

// One statement for all jobs that start in the same tick. Runs that are QUEUED or RUNNING (a
// re-delivered job) are CLAIMED in the same statement: marked RUNNING with one more attempt and
// their start time — the start mark that must be committed before any step can have an effect
// outside (it used to be a write of its own). Other runs (WAITING, finished, gone) are only read;
// the executor decides. A run that never started (attempts 0 before the claim, the common case)
// does not even look at RunStep.
const COLUMNS = (r: string, startedBefore: string) => `${r}.id, ${r}.status, ${r}."pipelineId", ${r}."userId", ${r}.version, ${r}.payload,
       ${r}."sourceId", ${r}.method, ${r}."receivedAt", ${r}."resumeFromStepId", ${r}."rerunOfId",
       -- as JSON: pg parses a text[] character by character in JavaScript, JSON natively
       array_to_json(${r}."searchTerms") AS "searchTerms",
       (extract(epoch FROM ${r}."waitUntil") * 1000)::float8 AS "waitUntilMs",
       CASE WHEN ${startedBefore} THEN
         (SELECT json_agg(${STEP_JSON} ORDER BY s.position) FROM "RunStep" s WHERE s."runId" = ${r}.id)
       END AS done,
       CASE WHEN ${r}."rerunOfId" IS NOT NULL AND ${r}."resumeFromStepId" IS NOT NULL THEN
         (SELECT json_agg(${STEP_JSON} ORDER BY s.position) FROM "RunStep" s
           WHERE s."runId" = ${r}."rerunOfId" AND s.status = 'SUCCEEDED')
       END AS original`;

const LOAD_SQL = `
WITH claimed AS (
  UPDATE "Run" AS r SET status = 'RUNNING', attempts = r.attempts + 1, "startedAt" = $2::timestamp
  -- status as text: no index matches it, so the primary key is used however stale the statistics
  -- (history-writer.ts, FLUSH_SQL)
  WHERE r.id = ANY($1::uuid[]) AND r.status::text IN ('QUEUED', 'RUNNING')
  RETURNING r.*
)
SELECT ${COLUMNS("c", "c.attempts > 1")}, true AS claimed FROM claimed c
UNION ALL
SELECT ${COLUMNS("r", "r.attempts > 0")}, false AS claimed FROM "Run" r
WHERE r.id = ANY($1::uuid[]) AND r.id NOT IN (SELECT id FROM claimed)`;

/** Named: parsed and planned once per connection (~0.9 → ~0.17 ms of Postgres CPU per load; FLUSH_STATEMENT). */
export const LOAD_STATEMENT = { name: "hookflow_load_runs", text: LOAD_SQL };

const VERSIONS_SQL = `
SELECT v."pipelineId", v.version, v.definition
FROM "PipelineVersion" v
JOIN unnest($1::uuid[], $2::int[]) AS k("pipelineId", version)
  ON v."pipelineId" = k."pipelineId" AND v.version = k.version`;

/** Gathers calls made in the same tick into one batched call. */
export function tickBatcher<K, V>(load: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | undefined> {
  let pending: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  return (key) =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) {
        setImmediate(() => {
          const batch = pending;
          pending = [];
          const keys = [...new Set(batch.map((b) => b.key))];
          load(keys).then(
            (m) => batch.forEach((b) => b.resolve(m.get(b.key))),
            (e) => batch.forEach((b) => b.reject(e)),
          );
        });
      }
      pending.push({ key, resolve, reject });
    });
}

export type RunLoader = {
  run(runId: string): Promise<LoadedRun | undefined>;
  /**
   * The parsed definition of a saved version; null when it is missing or does not parse. A cached
   * version comes back as is, without a promise (every run asks; few versions are new).
   */
  definition(pipelineId: string, version: number): PipelineDefinition | null | Promise<PipelineDefinition | null>;
  pipelineRunning(pipelineId: string): Promise<boolean>;
};

export function createRunLoader(getPool: () => pg.Pool, maxCachedVersions = 1000): RunLoader {
  const run = tickBatcher<string, LoadedRun>(async (ids) => {
    const startedAt = new Date();
    const res = await getPool().query<LoadedRun>(LOAD_STATEMENT, [ids, startedAt.toISOString()]);
    const out = new Map<string, LoadedRun>();
    for (const r of res.rows) {
      r.startedAt = startedAt;
      out.set(r.id, r);
    }
    return out;
  });

  const definitions = new Map<string, PipelineDefinition | null>();
  const loadVersion = tickBatcher<string, PipelineDefinition | null>(async (keys) => {
    const split = keys.map((k) => k.split("@"));
    const res = await getPool().query<{ pipelineId: string; version: number; definition: unknown }>(VERSIONS_SQL, [
      split.map((s) => s[0]),
      split.map((s) => Number(s[1])),
    ]);
    const out = new Map<string, PipelineDefinition | null>(keys.map((k) => [k, null]));
    for (const row of res.rows) {
      const parsed = definitionSchema.safeParse(row.definition);
      out.set(`${row.pipelineId}@${row.version}`, parsed.success ? parsed.data : null);
    }
    return out;
  });
  function definition(pipelineId: string, version: number): PipelineDefinition | null | Promise<PipelineDefinition | null> {
    const key = `${pipelineId}@${version}`;
    return definitions.get(key) ?? loadDefinition(key);
  }
  async function loadDefinition(key: string): Promise<PipelineDefinition | null> {
    const def = (await loadVersion(key)) ?? null;
    if (def) {
      if (definitions.size >= maxCachedVersions) definitions.delete(definitions.keys().next().value!);
      definitions.set(key, def);
    }
    return def;
  }

  async function pipelineRunning(pipelineId: string): Promise<boolean> {
    const res = await getPool().query<{ status: string }>(`SELECT status FROM "Pipeline" WHERE id = $1`, [pipelineId]);
    return res.rows[0]?.status === "RUNNING";
  }

  return { run, definition, pipelineRunning };
}
