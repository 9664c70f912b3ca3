import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { deleteCollection, listCollections } from "@/lib/store/store";
import { requireParam, storeCall } from "@/lib/store/api";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const collections = await listCollections(userId);
  return NextResponse.json({
    collections: collections.map((c) => ({ collection: c.collection, keys: c.keys, updatedAt: new Date(c.updatedAt).toISOString() })),
  });
});

/** DELETE /api/v1/store/collections?collection=… — every key of the collection. */
export const DELETE = handler(async (req) => {
  const userId = await requireUserId(req);
  const collection = requireParam(new URL(req.url), "collection");
  const deleted = await storeCall(() => deleteCollection(userId, collection));
  if (deleted === 0) throw notFound("Коллекция не найдена");
  return NextResponse.json({ deleted });
});
