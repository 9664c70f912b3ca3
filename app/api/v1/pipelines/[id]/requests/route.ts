import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { listRecentRequests } from "@/lib/runs/list-recent-requests";

export const GET = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const requests = await listRecentRequests({ userId, pipelineId: params.id, limit: 20 });
  if (!requests) throw notFound("Обработка не найдена");
  return NextResponse.json({ requests });
});
