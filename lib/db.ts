// The one Prisma client, built on the process's pg Pool (lib/pool.ts). Hot paths use that pool
// with raw SQL and import it from lib/pool.ts directly; everything else goes through Prisma.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { beforePoolCloses, closePool, pool } from "./pool";

export { Prisma } from "./generated/prisma/client";
export type * from "./generated/prisma/client";
export { pool };

const globalForDb = globalThis as unknown as { __hookflowPrisma?: PrismaClient };

function client(): PrismaClient {
  if (!globalForDb.__hookflowPrisma) {
    const c = new PrismaClient({ adapter: new PrismaPg(pool()) });
    globalForDb.__hookflowPrisma = c;
    beforePoolCloses(async () => {
      if (globalForDb.__hookflowPrisma === c) globalForDb.__hookflowPrisma = undefined;
      await c.$disconnect();
    });
  }
  return globalForDb.__hookflowPrisma;
}

/** Prisma client (lazy: importing this module opens no connection). */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_t, prop) {
    const c = client() as unknown as Record<string | symbol, unknown>;
    const value = c[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(c) : value;
  },
});

/** Disconnects Prisma (if it was used) and ends the pool. */
export const closeDb = closePool;
