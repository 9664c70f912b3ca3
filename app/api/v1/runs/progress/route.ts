import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { progressSchema } from "@/lib/runs/api-schemas";
import { runsProgress } from "@/lib/runs/rerun-runs";

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const { runIds } = await parseBody(req, progressSchema);
  return NextResponse.json(await runsProgress(userId, runIds));
});
