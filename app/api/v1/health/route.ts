import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { getWorkerHealth, publicWorkerHealth } from "@/lib/runs/worker-health";

/** Live workers and their last heartbeat (signed-in users; no host names or pids — see docs/security.md). */
export const GET = handler(async (req) => {
  await requireUserId(req);
  const report = await getWorkerHealth();
  return NextResponse.json({ redis: report.reachable ? "ok" : "unreachable", workers: report.workers.map(publicWorkerHealth) });
});
