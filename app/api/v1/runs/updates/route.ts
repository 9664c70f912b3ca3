import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { filterFromSearchParams } from "@/lib/runs/api-schemas";
import { listRunUpdates } from "@/lib/runs/list-runs";

/** Polled by the open history list: in-progress rows by id, and the count of newer runs. */
export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const sp = new URL(req.url).searchParams;
  const ids = (sp.get("ids") ?? "").split(",").filter(Boolean);
  return NextResponse.json(await listRunUpdates({ userId, filter: filterFromSearchParams(sp), ids, newest: sp.get("newest") }));
});
