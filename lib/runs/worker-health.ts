// Worker liveness, for the settings page and the worker's own log: each worker process keeps a
// short-lived key in Redis (hookflow:workers:<host>:<pid>) refreshed every few seconds, so a
// crashed process disappears from the list by itself when its key expires.
import os from "node:os";
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { redisConnection } from "../queue/connection";

export const WORKER_HEALTH_PREFIX = "hookflow:workers:";

export type WorkerHealth = {
  id: string;
  host: string;
  pid: number;
  queue: string;
  startedAt: string;
  lastSeen: string;
  /** Jobs finished since start (any outcome of the run). */
  processed: number;
  /** Jobs that threw (crash, database down) since start. */
  failed: number;
  active: number;
  concurrency: number;
};

export type WorkerHealthReport = { reachable: true; workers: WorkerHealth[] } | { reachable: false; workers: []; error: string };

export type HeartbeatInfo = () => Pick<WorkerHealth, "processed" | "failed" | "active" | "concurrency" | "queue">;

export type Heartbeat = { id: string; beat(): Promise<void>; stop(): Promise<void> };

/** Writes this process's health now and every intervalMs; the key lives ttlMs past the last write. */
export function startHeartbeat(redis: Redis, info: HeartbeatInfo, opts: { intervalMs?: number; ttlMs?: number } = {}): Heartbeat {
  const intervalMs = opts.intervalMs ?? 5_000;
  const ttlMs = opts.ttlMs ?? 20_000;
  const host = os.hostname();
  const id = `${host}:${process.pid}`;
  const key = `${WORKER_HEALTH_PREFIX}${id}`;
  const startedAt = new Date().toISOString();
  const beat = async () => {
    const health: WorkerHealth = { id, host, pid: process.pid, startedAt, lastSeen: new Date().toISOString(), ...info() };
    await redis.set(key, JSON.stringify(health), "PX", ttlMs);
  };
  const timer = setInterval(() => void beat().catch(() => undefined), intervalMs);
  timer.unref();
  void beat().catch(() => undefined);
  return {
    id,
    beat,
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => undefined);
    },
  };
}

const globalForHealth = globalThis as unknown as { __hookflowHealthRedis?: Redis };

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** The live workers (keys not yet expired), newest start first. Never throws: Redis down → reachable false. */
export async function getWorkerHealth(redis?: Redis): Promise<WorkerHealthReport> {
  const conn = redis ?? (globalForHealth.__hookflowHealthRedis ??= redisConnection(undefined, { maxRetriesPerRequest: 1, connectTimeout: 2_000 }));
  try {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await withTimeout(conn.scan(cursor, "MATCH", `${WORKER_HEALTH_PREFIX}*`, "COUNT", 500), 2_000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    const values = keys.length ? await withTimeout(conn.mget(...keys), 2_000) : [];
    const workers: WorkerHealth[] = [];
    for (const v of values) {
      if (!v) continue;
      try {
        workers.push(JSON.parse(v) as WorkerHealth);
      } catch {
        // A key written by something else under our prefix: not a worker.
      }
    }
    workers.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { reachable: true, workers };
  } catch (e) {
    return { reachable: false, workers: [], error: (e as Error).message };
  }
}

/** One line per worker, for logs and the CLI. */
export function formatWorkerHealth(report: WorkerHealthReport): string {
  if (!report.reachable) return `Redis unreachable: ${report.error}`;
  if (report.workers.length === 0) return "no live workers";
  return report.workers
    .map(
      (w) =>
        `${w.id} queue=${w.queue} concurrency=${w.concurrency} active=${w.active} processed=${w.processed} failed=${w.failed} since=${w.startedAt} lastSeen=${w.lastSeen}`,
    )
    .join("\n");
}

/**
 * What the settings page and /api/v1/health show: every user of an instance sees the workers, so
 * the host name and pid (which help an attacker map the machine) are replaced by an opaque id
 * that stays the same for the life of the process. Operators see host and pid in the worker's log.
 */
export type PublicWorkerHealth = Omit<WorkerHealth, "host" | "pid">;

export function publicWorkerHealth(w: WorkerHealth): PublicWorkerHealth {
  const { host: _host, pid: _pid, ...rest } = w;
  return { ...rest, id: createHash("sha256").update(w.id).digest("hex").slice(0, 8) };
}
