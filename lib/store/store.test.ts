// «Хранилище» against real Postgres: scoping, TTL, limits, atomic increment, per-key lock, pruning.
import { afterAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { closeDb, pool, prisma } from "../db";
import {
  StoreError,
  closeStoreLocks,
  deleteCollection,
  deleteEntry,
  getEntry,
  incrementEntry,
  listCollections,
  listEntries,
  pruneStore,
  setEntry,
  withKeyLock,
} from "./store";

async function user(): Promise<string> {
  return (await prisma.user.create({ data: { email: `store-${randomUUID()}@test.local`, passwordHash: "x" }, select: { id: true } })).id;
}

afterAll(async () => {
  await closeStoreLocks();
  await closeDb();
});

describe("store", () => {
  it("set / get / overwrite (last write wins) / delete; another account never sees the key", async () => {
    const [a, b] = [await user(), await user()];
    const value = { contactId: "c-1", note: 'Кавычки " и эмодзи 💇‍♀️\nновая строка' };
    await setEntry({ userId: a, collection: "Контакты", key: "1842", value });
    expect((await getEntry(a, "Контакты", "1842"))?.value).toEqual(value);
    expect(await getEntry(b, "Контакты", "1842")).toBeNull();
    expect(await deleteEntry(b, "Контакты", "1842")).toBe(false);
    await setEntry({ userId: a, collection: "Контакты", key: "1842", value: "второй" });
    expect((await getEntry(a, "Контакты", "1842"))?.value).toBe("второй");
    expect(await listCollections(b)).toEqual([]);
    expect((await listCollections(a)).map((c) => [c.collection, c.keys])).toEqual([["Контакты", 1]]);
    expect(await deleteEntry(a, "Контакты", "1842")).toBe(true);
    expect(await getEntry(a, "Контакты", "1842")).toBeNull();
  });

  it("limits: key 256 characters, value 64 KiB, collection name; errors say what to do", async () => {
    const a = await user();
    await setEntry({ userId: a, collection: "c", key: "я".repeat(256), value: 1 });
    await expect(setEntry({ userId: a, collection: "c", key: "я".repeat(257), value: 1 })).rejects.toThrow("Ключ длиннее 256 символов");
    await expect(setEntry({ userId: a, collection: "c", key: "  ", value: 1 })).rejects.toThrow(StoreError);
    await setEntry({ userId: a, collection: "c", key: "big", value: "x".repeat(64 * 1024 - 2) });
    await expect(setEntry({ userId: a, collection: "c", key: "big", value: "x".repeat(64 * 1024) })).rejects.toThrow(/больше 64 КБ/);
    await expect(setEntry({ userId: a, collection: "", key: "k", value: 1 })).rejects.toThrow("Укажите коллекцию");
    await expect(setEntry({ userId: a, collection: "c", key: "k", value: 1, ttlSeconds: 0 })).rejects.toThrow(/Срок хранения/);
  });

  it("an expired key is invisible (get, list) and pruned; writing it again starts afresh", async () => {
    const a = await user();
    await setEntry({ userId: a, collection: "ttl", key: "k", value: "old", ttlSeconds: 60 });
    expect((await getEntry(a, "ttl", "k"))?.expiresAt).toBeInstanceOf(Date);
    // Age it: expiry in the past.
    await pool().query(`UPDATE "StoreEntry" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE "userId" = $1`, [a]);
    expect(await getEntry(a, "ttl", "k")).toBeNull();
    expect((await listEntries({ userId: a })).entries).toEqual([]);
    // increment treats it as absent
    expect((await incrementEntry({ userId: a, collection: "ttl", key: "k", by: 2 })).value).toBe(2);
    await pool().query(`UPDATE "StoreEntry" SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE "userId" = $1`, [a]);
    expect(await pruneStore()).toBeGreaterThanOrEqual(1);
    expect((await pool().query(`SELECT 1 FROM "StoreEntry" WHERE "userId" = $1`, [a])).rowCount).toBe(0);
  });

  it("increment is atomic: 200 concurrent +1 give exactly 200; a non-number is refused, not overwritten", async () => {
    const a = await user();
    await Promise.all(Array.from({ length: 200 }, () => incrementEntry({ userId: a, collection: "n", key: "visits", by: 1 })));
    expect((await getEntry(a, "n", "visits"))?.value).toBe(200);
    expect((await incrementEntry({ userId: a, collection: "n", key: "visits", by: -0.5 })).value).toBe(199.5);
    await setEntry({ userId: a, collection: "n", key: "text", value: "abc" });
    await expect(incrementEntry({ userId: a, collection: "n", key: "text", by: 1 })).rejects.toThrow(/не число/);
    expect((await getEntry(a, "n", "text"))?.value).toBe("abc");
  });

  it("search by key or value, per collection, paging; delete a collection", async () => {
    const a = await user();
    for (let i = 0; i < 5; i++)
      await setEntry({ userId: a, collection: "Клиенты", key: `client-${i}`, value: { name: i === 3 ? "Мария Иванова" : `Клиент ${i}` } });
    await setEntry({ userId: a, collection: "Другое", key: "x", value: 1 });
    expect((await listEntries({ userId: a, search: "мария" })).entries.map((e) => e.key)).toEqual(["client-3"]);
    expect((await listEntries({ userId: a, search: "CLIENT-1" })).entries.map((e) => e.key)).toEqual(["client-1"]);
    expect((await listEntries({ userId: a, search: "%" })).entries).toEqual([]);
    const p1 = await listEntries({ userId: a, collection: "Клиенты", limit: 2 });
    expect(p1.entries.map((e) => e.key)).toEqual(["client-0", "client-1"]);
    const p2 = await listEntries({ userId: a, collection: "Клиенты", limit: 10, after: p1.next! });
    expect(p2.entries.map((e) => e.key)).toEqual(["client-2", "client-3", "client-4"]);
    expect(p2.next).toBeNull();
    expect(await deleteCollection(a, "Клиенты")).toBe(5);
    expect((await listCollections(a)).map((c) => c.collection)).toEqual(["Другое"]);
  });

  it("withKeyLock serialises find → create → save: 10 concurrent callers create once", async () => {
    const a = await user();
    let creates = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        withKeyLock({ userId: a, collection: "lock", key: "client-7" }, async (db) => {
          const hit = await getEntry(a, "lock", "client-7", db);
          if (hit) return hit.value;
          creates++;
          await new Promise((r) => setTimeout(r, 30)); // the slow outside create
          const id = `contact-${creates}`;
          await setEntry({ userId: a, collection: "lock", key: "client-7", value: id }, db);
          return id;
        }),
      ),
    );
    expect(creates).toBe(1);
    expect(new Set(results)).toEqual(new Set(["contact-1"]));
  });

  it("withKeyLock: a failure rolls back what was saved inside it and releases the lock", async () => {
    const a = await user();
    await expect(
      withKeyLock({ userId: a, collection: "lock", key: "k" }, async (db) => {
        await setEntry({ userId: a, collection: "lock", key: "k", value: 1 }, db);
        throw new Error("create failed");
      }),
    ).rejects.toThrow("create failed");
    expect(await getEntry(a, "lock", "k")).toBeNull();
    const v = await withKeyLock({ userId: a, collection: "lock", key: "k" }, async () => "next");
    expect(v).toBe("next");
  });
});
