import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { rotateWebhookToken } from "@/lib/pipelines/rotate-webhook-token";
import { webhookUrl } from "@/lib/pipelines/pipeline-view";

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const result = await rotateWebhookToken({ userId, pipelineId: params.id });
  if (!result) throw notFound("Обработка не найдена");
  return NextResponse.json({ webhookUrl: webhookUrl(result.webhookToken) });
});
