// Optional per-обработка limit on incoming webhook requests (Pipeline.webhookRateLimit, requests
// per minute; null = none). The fast path must stay free of per-request queries, so the limits of
// all pipelines that have one are loaded in ONE query every refreshMs (10 s) and the counting is
// in memory: a fixed one-minute window per обработка (all its source URLs count together), per web
// process (with N ingest processes behind a load balancer the effective limit is up to N× —
// docs/security.md). A request over the limit answers 429 with Retry-After and is stored as
// REJECTED, like other refused input.
import { pool } from "../pool";

export type RateVerdict = { ok: true } | { ok: false; limit: number; retryAfterSec: number };

/** Synchronous once the limits are loaded (the fast path then awaits nothing). */
export type HookRateLimiter = {
  check(token: string): RateVerdict | Promise<RateVerdict>;
  /** Loads the limits now (the next check sees them); check() refreshes on its own every refreshMs. */
  refresh(): Promise<void>;
};

const OK: RateVerdict = { ok: true };

export type RateLimiterOptions = {
  loadLimits?: () => Promise<Map<string, TokenLimit>>;
  refreshMs?: number;
  now?: () => number;
};

/** A source URL's limit and the обработка whose window it counts in. */
export type TokenLimit = { limit: number; pipelineId: string };

/** token → limit, for every source URL of the pipelines that have one. */
async function loadFromDb(): Promise<Map<string, TokenLimit>> {
  const r = await pool().query<{ token: string; pipelineId: string; webhookRateLimit: number }>(
    `SELECT s.token, p.id AS "pipelineId", p."webhookRateLimit" FROM "Pipeline" p JOIN "Source" s ON s."pipelineId" = p.id
      WHERE p."webhookRateLimit" IS NOT NULL AND s.token IS NOT NULL`,
  );
  return new Map(r.rows.map((row) => [row.token, { limit: row.webhookRateLimit, pipelineId: row.pipelineId }]));
}

const WINDOW_MS = 60_000;

export function createHookRateLimiter(options: RateLimiterOptions = {}): HookRateLimiter {
  const load = options.loadLimits ?? loadFromDb;
  const refreshMs = options.refreshMs ?? 10_000;
  const now = options.now ?? Date.now;
  let limits = new Map<string, TokenLimit>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | null = null;
  let lastError = 0;
  const windows = new Map<string, { start: number; count: number }>();

  function refresh(): Promise<void> {
    loading ??= load()
      .then((m) => {
        limits = m;
        loadedAt = now();
        // Forget counters of pipelines that no longer have a limit.
        const limited = new Set([...m.values()].map((l) => l.pipelineId));
        for (const id of windows.keys()) if (!limited.has(id)) windows.delete(id);
      })
      .catch((err) => {
        loadedAt = now(); // keep the old limits; try again after refreshMs
        if (now() - lastError > 60_000) {
          lastError = now();
          console.error("[hooks] could not load webhook rate limits:", (err as Error).message);
        }
      })
      .finally(() => (loading = null));
    return loading;
  }

  function verdict(token: string): RateVerdict {
    if (limits.size === 0) return OK;
    const found = limits.get(token);
    if (!found) return OK;
    const { limit, pipelineId } = found;
    const t = now();
    let w = windows.get(pipelineId);
    if (!w || t - w.start >= WINDOW_MS) windows.set(pipelineId, (w = { start: t, count: 0 }));
    if (w.count >= limit) return { ok: false, limit, retryAfterSec: Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000)) };
    w.count++;
    return OK;
  }

  return {
    // A load already in flight may have read the table before the caller's change: wait for it,
    // then load again.
    refresh: async () => {
      await loading;
      return refresh();
    },
    check(token) {
      if (loadedAt === -Infinity) return refresh().then(() => verdict(token));
      if (now() - loadedAt >= refreshMs) void refresh();
      return verdict(token);
    },
  };
}
