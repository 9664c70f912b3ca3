// The StoreClient steps get as ctx.store, bound to one account (the run's or the tester's user).
// StoreError (bad key, value too large, not a number) becomes the step's ActionError.
import { ActionError, type StoreClient } from "../actions/define-action";
import { StoreError, deleteEntry, getEntry, incrementEntry, setEntry, withKeyLock } from "./store";

async function asStep<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreError) throw new ActionError(e.message, e.messageEn, `store_${e.code}`);
    throw e;
  }
}

export function storeClientFor(userId: string): StoreClient {
  return {
    get: (collection, key) =>
      asStep(async () => {
        const e = await getEntry(userId, collection, key);
        return e ? { value: e.value, expiresAt: e.expiresAt ? e.expiresAt.toISOString() : null } : null;
      }),
    set: (collection, key, value, ttlSeconds) =>
      asStep(async () => {
        await setEntry({ userId, collection, key, value, ttlSeconds });
      }),
    increment: (collection, key, by, ttlSeconds) => asStep(async () => Number((await incrementEntry({ userId, collection, key, by, ttlSeconds })).value)),
    delete: (collection, key) => asStep(() => deleteEntry(userId, collection, key)),
    withLock: (collection, key, fn) =>
      asStep(() =>
        withKeyLock({ userId, collection, key }, (db) =>
          fn({
            get: async () => {
              const e = await getEntry(userId, collection, key, db);
              return e ? { value: e.value } : null;
            },
            set: async (value, ttlSeconds) => {
              await setEntry({ userId, collection, key, value, ttlSeconds }, db);
            },
          }),
        ),
      ),
  };
}
