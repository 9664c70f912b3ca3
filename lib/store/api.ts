// Shared by the /api/v1/store routes: StoreError → 422 naming the field, query parameters.
import { ValidationError } from "../errors";
import { StoreError } from "./store";

export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StoreError)
      throw new ValidationError(e.message, { code: e.code, details: e.field ? [{ field: e.field, message: e.message }] : undefined });
    throw e;
  }
}

export function requireParam(url: URL, name: "collection" | "key"): string {
  const v = url.searchParams.get(name);
  if (v === null || v === "") {
    const what = name === "collection" ? "коллекцию" : "ключ";
    throw new ValidationError(`Укажите ${what}: параметр ${name}`, { details: [{ field: name, message: "обязательное поле" }] });
  }
  return v;
}

export const entryJson = (e: { collection: string; key: string; value: unknown; expiresAt: Date | null; createdAt: Date; updatedAt: Date }) => ({
  collection: e.collection,
  key: e.key,
  value: e.value,
  expiresAt: e.expiresAt?.toISOString() ?? null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});
