import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { deleteEntry, getEntry, setEntry } from "@/lib/store/store";
import { entryJson, requireParam, storeCall } from "@/lib/store/api";

// One key: /api/v1/store/entry?collection=…&key=… (query parameters, so a key may hold any character).
const NOT_FOUND = "Ключ не найден";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const url = new URL(req.url);
  const entry = await storeCall(() => getEntry(userId, requireParam(url, "collection"), requireParam(url, "key")));
  if (!entry) throw notFound(NOT_FOUND);
  return NextResponse.json({ entry: entryJson(entry) });
});

const putSchema = z.object({
  value: z.unknown().refine((v) => v !== undefined, { message: "обязательное поле" }),
  ttlSeconds: z.number().int().nullable().optional(),
});

/** Writes the key (last write wins); creates the collection on first use. */
export const PUT = handler(async (req) => {
  const userId = await requireUserId(req);
  const url = new URL(req.url);
  const collection = requireParam(url, "collection");
  const key = requireParam(url, "key");
  const body = await parseBody(req, putSchema);
  const entry = await storeCall(() => setEntry({ userId, collection, key, value: body.value, ttlSeconds: body.ttlSeconds ?? null }));
  return NextResponse.json({ entry: entryJson(entry) });
});

export const DELETE = handler(async (req) => {
  const userId = await requireUserId(req);
  const url = new URL(req.url);
  const deleted = await storeCall(() => deleteEntry(userId, requireParam(url, "collection"), requireParam(url, "key")));
  if (!deleted) throw notFound(NOT_FOUND);
  return new NextResponse(null, { status: 204 });
});
