import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { processPendingSchema } from "@/lib/runs/api-schemas";
import { processPendingRuns } from "@/lib/runs/process-pending-runs";

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const { runIds } = await parseBody(req, processPendingSchema);
  const res = await processPendingRuns({ userId, pipelineId: params.id, runIds });
  if (!res) throw notFound("Обработка не найдена");
  return NextResponse.json(res);
});
