// Credentials for the worker's steps, cached per user + names for a few seconds: decrypting per
// run would cost a query per run; a few seconds of staleness after a credential is edited is the
// price (docs/worker.md).
export type CredentialFetcher = (userId: string, names: string[]) => Promise<Record<string, string>>;

export function cachedCredentials(fetch: CredentialFetcher, ttlMs: number, maxEntries = 5000): CredentialFetcher {
  const cache = new Map<string, { at: number; value: Promise<Record<string, string>> }>();
  return (userId, names) => {
    const key = `${userId}\u0000${[...names].sort().join("\u0000")}`;
    const hit = cache.get(key);
    const now = Date.now();
    if (hit && now - hit.at < ttlMs) return hit.value;
    const value = fetch(userId, names);
    cache.set(key, { at: now, value });
    value.catch(() => cache.delete(key));
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return value;
  };
}
