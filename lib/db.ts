// The one Prisma client and the pg Pool under it. Hot paths (webhook ingest, batched history
// writes) use the same pool with raw SQL; everything else goes through Prisma.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { env } from "./env";

export { Prisma } from "./generated/prisma/client";
export type * from "./generated/prisma/client";

type Db = { pool: pg.Pool; prisma: PrismaClient };

const globalForDb = globalThis as unknown as { __hookflowDb?: Db };

function create(): Db {
  const pool = new pg.Pool({
    connectionString: env().DATABASE_URL,
    max: Number(process.env.PG_POOL_MAX ?? 20),
    // Waiting for a free client or a new connection: on a busy machine (many jobs in flight, a
    // loaded database) 5 s was not enough and a healthy run failed; a slow answer beats an error.
    connectionTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (Postgres restarted) must not crash the process.
  pool.on("error", (err) => console.error("[db] idle client error:", err.message));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { pool, prisma };
}

function db(): Db {
  if (!globalForDb.__hookflowDb) globalForDb.__hookflowDb = create();
  return globalForDb.__hookflowDb;
}

/** Prisma client (lazy: importing this module opens no connection). */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_t, prop) {
    const client = db().prisma as unknown as Record<string | symbol, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

export function pool(): pg.Pool {
  return db().pool;
}

export async function closeDb(): Promise<void> {
  const current = globalForDb.__hookflowDb;
  if (!current) return;
  globalForDb.__hookflowDb = undefined;
  await current.prisma.$disconnect();
  await current.pool.end().catch(() => undefined);
}
