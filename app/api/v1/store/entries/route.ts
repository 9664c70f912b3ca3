import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { ApiError } from "@/lib/api/errors";
import { listEntries } from "@/lib/store/store";
import { entryJson, storeCall } from "@/lib/store/api";

/** GET /api/v1/store/entries?collection=&search=&after=&limit= — keys with values, by collection and key. */
export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const url = new URL(req.url);
  const limitText = url.searchParams.get("limit");
  const limit = limitText === null ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ApiError(422, "validation_failed", "limit: целое число от 1 до 1000", [{ field: "limit", message: "целое число от 1 до 1000" }]);
  const page = await storeCall(() =>
    listEntries({
      userId,
      collection: url.searchParams.get("collection") ?? undefined,
      search: url.searchParams.get("search")?.slice(0, 200) ?? undefined,
      after: url.searchParams.get("after") ?? undefined,
      limit,
    }),
  );
  return NextResponse.json({ entries: page.entries.map(entryJson), next: page.next });
});
