// «Хранилище»: a per-account key-value store (docs/store.md). Collections of keys, JSON values,
// optional time-to-live. Every statement takes the user id: another account's key does not exist.
//
// Concurrency: set is an upsert (last write wins); increment is ONE statement (INSERT … ON CONFLICT
// DO UPDATE value = value + n), so concurrent increments never lose an update; withKeyLock holds a
// Postgres advisory transaction lock on (user, collection, key) across find → create → save, so two
// runs that miss the same key at the same moment create its value once (lock.test / e2e).
//
// Timestamps are stored as UTC in "timestamp without time zone" (Prisma's DateTime), hence
// `now() AT TIME ZONE 'UTC'` in SQL.
import type pg from "pg";
import { pool as defaultPool } from "../pool";
import { STORE_LIMITS } from "../definition/store-limits";

export { STORE_LIMITS };

export type StoreEntry = {
  collection: string;
  key: string;
  value: unknown;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** A user-facing problem with a store request (bad key, too large, not a number). */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly messageEn: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkCollection(collection: string): string {
  const c = collection.trim();
  if (c === "") throw new StoreError("Укажите коллекцию", "Collection is required", "collection_required", "collection");
  if ([...c].length > STORE_LIMITS.collectionMaxChars)
    throw new StoreError(
      `Название коллекции длиннее ${STORE_LIMITS.collectionMaxChars} символов`,
      `Collection name is longer than ${STORE_LIMITS.collectionMaxChars} characters`,
      "collection_too_long",
      "collection",
    );
  if (CONTROL.test(c))
    throw new StoreError("Название коллекции содержит управляющие символы", "Collection name contains control characters", "collection_invalid", "collection");
  return c;
}

export function checkKey(key: string): string {
  if (key.trim() === "") throw new StoreError("Ключ пустой — проверьте шаблон ключа", "The key is empty — check the key template", "key_required", "key");
  if ([...key].length > STORE_LIMITS.keyMaxChars)
    throw new StoreError(
      `Ключ длиннее ${STORE_LIMITS.keyMaxChars} символов`,
      `The key is longer than ${STORE_LIMITS.keyMaxChars} characters`,
      "key_too_long",
      "key",
    );
  if (key.includes("\u0000")) throw new StoreError("Ключ содержит нулевой символ", "The key contains a NUL character", "key_invalid", "key");
  return key;
}

/** Serialised value, checked against the 64 KiB cap. */
export function checkValue(value: unknown): string {
  if (value === undefined) throw new StoreError("Значение не задано", "Value is missing", "value_required", "value");
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes > STORE_LIMITS.valueMaxBytes)
    throw new StoreError(
      `Значение больше 64 КБ (${Math.ceil(bytes / 1024)} КБ) — храните только нужные поля`,
      `The value is larger than 64 KiB (${Math.ceil(bytes / 1024)} KiB) — store only the fields you need`,
      "value_too_large",
      "value",
    );
  // Postgres jsonb holds no U+0000.
  return json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}

export function checkTtl(ttlSeconds: number | null | undefined): number | null {
  if (ttlSeconds === null || ttlSeconds === undefined) return null;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > STORE_LIMITS.ttlMaxSeconds)
    throw new StoreError(
      "Срок хранения: целое число секунд от 1 до 10 лет",
      "Time to live: a whole number of seconds from 1 to 10 years",
      "ttl_invalid",
      "ttlSeconds",
    );
  return ttlSeconds;
}

type Row = { collection: string; key: string; value: unknown; expiresAt: Date | null; createdAt: Date; updatedAt: Date };

const LIVE = `("expiresAt" IS NULL OR "expiresAt" > (now() AT TIME ZONE 'UTC'))`;
const COLS = `collection, key, value, "expiresAt", "createdAt", "updatedAt"`;

type Queryable = Pick<pg.Pool, "query"> | pg.PoolClient;

export type StoreOptions = { pool?: () => pg.Pool };

function getPool(o?: StoreOptions): pg.Pool {
  return (o?.pool ?? defaultPool)();
}

export async function getEntry(userId: string, collection: string, key: string, db: Queryable = defaultPool()): Promise<StoreEntry | null> {
  const r = await db.query<Row>(`SELECT ${COLS} FROM "StoreEntry" WHERE "userId" = $1::uuid AND collection = $2 AND key = $3 AND ${LIVE}`, [
    userId,
    checkCollection(collection),
    checkKey(key),
  ]);
  return r.rows[0] ?? null;
}

const SET_SQL = `
INSERT INTO "StoreEntry" ("userId", collection, key, value, "expiresAt", "createdAt", "updatedAt")
VALUES ($1::uuid, $2, $3, $4::jsonb,
        CASE WHEN $5::int IS NULL THEN NULL ELSE (now() AT TIME ZONE 'UTC') + make_interval(secs => $5::int) END,
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT ("userId", collection, key) DO UPDATE SET
  value = EXCLUDED.value, "expiresAt" = EXCLUDED."expiresAt", "updatedAt" = EXCLUDED."updatedAt",
  -- an expired key that is written again starts a new life
  "createdAt" = CASE WHEN "StoreEntry"."expiresAt" IS NOT NULL AND "StoreEntry"."expiresAt" <= EXCLUDED."updatedAt"
                     THEN EXCLUDED."createdAt" ELSE "StoreEntry"."createdAt" END
RETURNING ${COLS}`;

/** Writes a key (last write wins). `ttlSeconds` null/undefined: kept until deleted. */
export async function setEntry(
  input: { userId: string; collection: string; key: string; value: unknown; ttlSeconds?: number | null },
  db: Queryable = defaultPool(),
): Promise<StoreEntry> {
  const r = await db.query<Row>(SET_SQL, [
    input.userId,
    checkCollection(input.collection),
    checkKey(input.key),
    checkValue(input.value),
    checkTtl(input.ttlSeconds),
  ]);
  return r.rows[0];
}

// One statement: the row lock of ON CONFLICT DO UPDATE serialises concurrent increments. An expired
// value counts as absent (starts from 0). A value that is not a number leaves the row alone and
// returns nothing — reported as an error, never overwritten.
const INCREMENT_SQL = `
INSERT INTO "StoreEntry" AS s ("userId", collection, key, value, "expiresAt", "createdAt", "updatedAt")
VALUES ($1::uuid, $2, $3, to_jsonb($4::numeric),
        CASE WHEN $5::int IS NULL THEN NULL ELSE (now() AT TIME ZONE 'UTC') + make_interval(secs => $5::int) END,
        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT ("userId", collection, key) DO UPDATE SET
  value = CASE WHEN s."expiresAt" IS NOT NULL AND s."expiresAt" <= EXCLUDED."updatedAt" THEN EXCLUDED.value
               ELSE to_jsonb((s.value #>> '{}')::numeric + $4::numeric) END,
  "expiresAt" = CASE WHEN $5::int IS NOT NULL THEN EXCLUDED."expiresAt"
                     WHEN s."expiresAt" IS NOT NULL AND s."expiresAt" <= EXCLUDED."updatedAt" THEN NULL
                     ELSE s."expiresAt" END,
  "createdAt" = CASE WHEN s."expiresAt" IS NOT NULL AND s."expiresAt" <= EXCLUDED."updatedAt"
                     THEN EXCLUDED."createdAt" ELSE s."createdAt" END,
  "updatedAt" = EXCLUDED."updatedAt"
WHERE jsonb_typeof(s.value) = 'number' OR (s."expiresAt" IS NOT NULL AND s."expiresAt" <= EXCLUDED."updatedAt")
RETURNING ${COLS}`;

/** Adds `by` to a numeric value atomically (a missing key starts at 0). */
export async function incrementEntry(
  input: { userId: string; collection: string; key: string; by: number; ttlSeconds?: number | null },
  db: Queryable = defaultPool(),
): Promise<StoreEntry> {
  if (!Number.isFinite(input.by)) throw new StoreError("Шаг увеличения должен быть числом", "The increment must be a number", "increment_invalid", "by");
  const r = await db.query<Row>(INCREMENT_SQL, [
    input.userId,
    checkCollection(input.collection),
    checkKey(input.key),
    String(input.by),
    checkTtl(input.ttlSeconds),
  ]);
  if (!r.rows[0])
    throw new StoreError(
      `В ключе «${input.key}» не число — увеличить нельзя. Перезапишите его числом или удалите`,
      `Key "${input.key}" does not hold a number — it cannot be incremented. Overwrite it with a number or delete it`,
      "not_a_number",
      "key",
    );
  return r.rows[0];
}

/** Deletes a key; false when there was no (live) key. */
export async function deleteEntry(userId: string, collection: string, key: string, db: Queryable = defaultPool()): Promise<boolean> {
  const r = await db.query(`DELETE FROM "StoreEntry" WHERE "userId" = $1::uuid AND collection = $2 AND key = $3 RETURNING ${LIVE} AS live`, [
    userId,
    checkCollection(collection),
    checkKey(key),
  ]);
  return r.rows.some((x: { live: boolean }) => x.live);
}

/** Deletes every key of a collection; returns how many. */
export async function deleteCollection(userId: string, collection: string, opts?: StoreOptions): Promise<number> {
  const r = await getPool(opts).query(`DELETE FROM "StoreEntry" WHERE "userId" = $1::uuid AND collection = $2`, [userId, checkCollection(collection)]);
  return r.rowCount ?? 0;
}

export type CollectionSummary = { collection: string; keys: number; updatedAt: Date };

export async function listCollections(userId: string, opts?: StoreOptions): Promise<CollectionSummary[]> {
  const r = await getPool(opts).query<CollectionSummary>(
    `SELECT collection, count(*)::int AS keys, max("updatedAt") AS "updatedAt"
       FROM "StoreEntry" WHERE "userId" = $1::uuid AND ${LIVE}
      GROUP BY collection ORDER BY collection LIMIT 1000`,
    [userId],
  );
  return r.rows;
}

export type ListEntriesInput = {
  userId: string;
  collection?: string;
  /** Case-insensitive substring of the key or of the value's text. */
  search?: string;
  /** Keys after this one (collection\u0000key of the last row of the previous page). */
  after?: string;
  limit?: number;
};

export async function listEntries(input: ListEntriesInput, opts?: StoreOptions): Promise<{ entries: StoreEntry[]; next: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 1000);
  const params: unknown[] = [input.userId];
  const where = [`"userId" = $1::uuid`, LIVE];
  if (input.collection !== undefined && input.collection !== "") {
    params.push(checkCollection(input.collection));
    where.push(`collection = $${params.length}`);
  }
  const search = input.search?.trim();
  if (search) {
    params.push(`%${search.replace(/[\\%_]/g, (c) => "\\" + c)}%`);
    where.push(`(key ILIKE $${params.length} OR value::text ILIKE $${params.length})`);
  }
  if (input.after) {
    const [c, k] = input.after.split("\u0000");
    params.push(c, k ?? "");
    where.push(`(collection, key) > ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit + 1);
  const r = await getPool(opts).query<Row>(
    `SELECT ${COLS} FROM "StoreEntry" WHERE ${where.join(" AND ")} ORDER BY collection, key LIMIT $${params.length}`,
    params,
  );
  const entries = r.rows.slice(0, limit);
  const last = entries[entries.length - 1];
  return { entries, next: r.rows.length > limit && last ? `${last.collection}\u0000${last.key}` : null };
}

/** Removes expired keys in small batches (called by the worker's maintenance timer). */
export async function pruneStore(opts: StoreOptions & { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? 100;
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const r = await getPool(opts).query(
      `DELETE FROM "StoreEntry" WHERE ctid IN (
         SELECT ctid FROM "StoreEntry" WHERE "expiresAt" <= (now() AT TIME ZONE 'UTC') LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      [batch],
    );
    total += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batch) break;
  }
  return total;
}

// ── per-key lock ─────────────────────────────────────────────────────────────────────────────

let lockPool: pg.Pool | undefined;

/**
 * Runs `fn` while holding a lock on (user, collection, key): a Postgres advisory transaction lock
 * taken on a connection of its own (a small separate pool, so steps waiting on a slow create
 * cannot starve ingest and history writes of connections). A crashed process releases the lock
 * with its connection. Reads and writes made through `db` commit when `fn` returns.
 */
export async function withKeyLock<T>(
  input: { userId: string; collection: string; key: string },
  fn: (db: pg.PoolClient) => Promise<T>,
  opts: { pool?: () => pg.Pool } = {},
): Promise<T> {
  const collection = checkCollection(input.collection);
  const key = checkKey(input.key);
  const p = opts.pool?.() ?? (lockPool ??= await makeLockPool());
  const client = await p.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7402))`, [JSON.stringify([input.userId, collection, key])]);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => (broken = true));
    throw e;
  } finally {
    client.release(broken);
  }
}

async function makeLockPool(): Promise<pg.Pool> {
  const { default: PgPool } = await import("pg").then((m) => ({ default: m.default.Pool }));
  const { env } = await import("../env");
  const p = new PgPool({ connectionString: env().DATABASE_URL, max: Number(process.env.STORE_LOCK_POOL_MAX ?? 10), connectionTimeoutMillis: 30_000 });
  p.on("error", (err) => console.error("[store] idle lock client error:", err.message));
  return p;
}

export async function closeStoreLocks(): Promise<void> {
  const p = lockPool;
  lockPool = undefined;
  await p?.end().catch(() => undefined);
}
