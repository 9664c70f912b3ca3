import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { listEntries } from "@/lib/store/store";
import { entryJson, storeCall } from "@/lib/store/api";

const MAX_EXPORT = 100_000;

/** GET /api/v1/store/export[?collection=…] — a JSON file: { exportedAt, collection, entries: [...] }. */
export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const collection = new URL(req.url).searchParams.get("collection") || undefined;
  const entries: ReturnType<typeof entryJson>[] = [];
  let after: string | undefined;
  do {
    const page = await storeCall(() => listEntries({ userId, collection, after, limit: 1000 }));
    entries.push(...page.entries.map(entryJson));
    after = page.next ?? undefined;
  } while (after && entries.length < MAX_EXPORT);
  const name = `hookflow-store${collection ? "-" + collection.replace(/[^\p{L}\p{N}_-]+/gu, "_") : ""}.json`;
  return new NextResponse(JSON.stringify({ exportedAt: new Date().toISOString(), collection: collection ?? null, entries }, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="hookflow-store.json"; filename*=UTF-8''${encodeURIComponent(name)}`,
      "Cache-Control": "no-store",
    },
  });
});
