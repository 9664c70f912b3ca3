import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { rerunBulkSchema } from "@/lib/runs/api-schemas";
import { rerunBulk } from "@/lib/runs/rerun-runs";
import { getPipeline } from "@/lib/pipelines/get-pipeline";

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, rerunBulkSchema);
  if (input.filter.pipelineId && !(await getPipeline(userId, input.filter.pipelineId))) throw notFound("Обработка не найдена");
  return NextResponse.json(await rerunBulk({ userId, ...input }), { status: 201 });
});
