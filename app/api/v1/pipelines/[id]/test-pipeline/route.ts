import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { definitionSchema } from "@/lib/definition/schema";
import { testPipeline } from "@/lib/engine/test-pipeline-steps";

const bodySchema = z.object({ definition: definitionSchema.optional(), sampleRunId: z.uuid().optional() });

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const body = await parseBody(req, bodySchema);
  const pipeline = await getPipeline(userId, params.id);
  if (!pipeline) throw notFound("Обработка не найдена");
  const result = await testPipeline({
    userId,
    pipelineId: pipeline.id,
    definition: body.definition ?? pipeline.definition,
    sampleRunId: body.sampleRunId,
    signal: req.signal,
  });
  return NextResponse.json(result);
});
