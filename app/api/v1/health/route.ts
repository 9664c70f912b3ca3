import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { getWorkerHealth } from "@/lib/runs/worker-health";

/** Live workers and their last heartbeat (signed-in users only: it names hosts and pids). */
export const GET = handler(async (req) => {
  await requireUserId(req);
  const report = await getWorkerHealth();
  return NextResponse.json({ redis: report.reachable ? "ok" : "unreachable", workers: report.workers });
});
