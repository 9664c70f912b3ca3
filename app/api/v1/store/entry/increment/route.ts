import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { incrementEntry } from "@/lib/store/store";
import { entryJson, requireParam, storeCall } from "@/lib/store/api";

/** POST /api/v1/store/entry/increment?collection=…&key=… { by?, ttlSeconds? } — atomic; a missing key starts at 0. */
export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const url = new URL(req.url);
  const collection = requireParam(url, "collection");
  const key = requireParam(url, "key");
  const body = await parseBody(req, z.object({ by: z.number().default(1), ttlSeconds: z.number().int().nullable().optional() }));
  const entry = await storeCall(() => incrementEntry({ userId, collection, key, by: body.by, ttlSeconds: body.ttlSeconds ?? null }));
  return NextResponse.json({ entry: entryJson(entry) });
});
