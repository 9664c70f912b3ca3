import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { setPipelineStatus } from "@/lib/pipelines/set-pipeline-status";

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const pipeline = await setPipelineStatus(userId, params.id, "STOPPED");
  if (!pipeline) throw notFound("Обработка не найдена");
  return NextResponse.json({ pipeline });
});
