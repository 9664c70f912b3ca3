// The one pg Pool of a process. Hot paths (webhook ingest, the worker's loads and batched history
// writes) use it with raw SQL and import it from here, so a process that never needs Prisma (an
// ingest-only web, a worker that sends no alert) never loads Prisma's runtime (≈ 15 MB) —
// docs/scaling.md. lib/db.ts builds the Prisma client on this same pool.
import pg from "pg";
import { env } from "./env";

const globalForPool = globalThis as unknown as { __hookflowPool?: pg.Pool; __hookflowPoolUsers?: Array<() => Promise<void>> };

export function pool(): pg.Pool {
  if (!globalForPool.__hookflowPool) {
    const p = new pg.Pool({
      connectionString: env().DATABASE_URL,
      max: Number(process.env.PG_POOL_MAX ?? 20),
      // Waiting for a free client or a new connection: on a busy machine (many jobs in flight, a
      // loaded database) 5 s was not enough and a healthy run failed; a slow answer beats an error.
      connectionTimeoutMillis: 30_000,
      // Idle connections are kept a minute (pg's default is 10 s): a burst after a quiet spell
      // otherwise opens them again, on fresh Postgres backends with cold caches, and the first
      // seconds of the burst queue behind that (docs/scaling.md, «Round 5»).
      idleTimeoutMillis: Number(process.env.PG_IDLE_TIMEOUT_MS ?? 60_000),
    });
    // An idle client losing its connection (Postgres restarted) must not crash the process.
    p.on("error", (err) => console.error("[db] idle client error:", err.message));
    globalForPool.__hookflowPool = p;
  }
  return globalForPool.__hookflowPool;
}

/** Runs `close` before the pool ends (Prisma disconnects its adapter this way). */
export function beforePoolCloses(close: () => Promise<void>): void {
  (globalForPool.__hookflowPoolUsers ??= []).push(close);
}

/** Closes what was built on the pool, then ends it (the next pool() call opens a new one). */
export async function closePool(): Promise<void> {
  const users = globalForPool.__hookflowPoolUsers ?? [];
  globalForPool.__hookflowPoolUsers = [];
  for (const close of users) await close();
  const current = globalForPool.__hookflowPool;
  if (!current) return;
  globalForPool.__hookflowPool = undefined;
  await current.end().catch(() => undefined);
}
