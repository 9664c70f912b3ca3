import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { listRecentRequests } from "@/lib/runs/list-recent-requests";

export const GET = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  // ?sourceId=<id>: only that source's requests (docs/sources.md).
  const sourceId = new URL(req.url).searchParams.get("sourceId") || undefined;
  const requests = await listRecentRequests({ userId, pipelineId: params.id, limit: 20, sourceId });
  if (!requests) throw notFound(sourceId ? "Источник не найден" : "Обработка не найдена");
  return NextResponse.json({ requests });
});
