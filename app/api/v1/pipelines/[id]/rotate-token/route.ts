import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { rotateWebhookToken } from "@/lib/pipelines/rotate-webhook-token";
import { webhookUrl } from "@/lib/pipelines/pipeline-view";

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  // ?sourceId=<id>: that source's URL (docs/sources.md); without it the first source's.
  const sourceId = new URL(req.url).searchParams.get("sourceId") ?? undefined;
  const result = await rotateWebhookToken({ userId, pipelineId: params.id, sourceId });
  if (!result) throw notFound(sourceId ? "Источник не найден" : "Обработка не найдена");
  return NextResponse.json({ webhookUrl: webhookUrl(result.webhookToken), sourceId: result.sourceId });
});
