import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { filterFromSearchParams } from "@/lib/runs/api-schemas";
import { listRuns } from "@/lib/runs/list-runs";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const sp = new URL(req.url).searchParams;
  const filter = filterFromSearchParams(sp);
  const limit = Number(sp.get("limit") ?? 50) || 50;
  return NextResponse.json(await listRuns({ userId, filter, cursor: sp.get("cursor"), limit }));
});
