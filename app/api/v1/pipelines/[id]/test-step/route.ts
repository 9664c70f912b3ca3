import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { definitionSchema } from "@/lib/definition/schema";
import { testPipelineStep } from "@/lib/engine/test-pipeline-steps";

const bodySchema = z.object({
  stepId: z.string().min(1, "stepId: обязательное поле"),
  /** The editor's unsaved definition; the saved one when absent. */
  definition: definitionSchema.optional(),
  /** Outputs of earlier steps the editor already has, by step id. */
  outputs: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  sampleRunId: z.uuid().optional(),
});

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const body = await parseBody(req, bodySchema);
  const pipeline = await getPipeline(userId, params.id);
  if (!pipeline) throw notFound("Обработка не найдена");
  const result = await testPipelineStep({
    userId,
    pipelineId: pipeline.id,
    definition: body.definition ?? pipeline.definition,
    stepId: body.stepId,
    outputs: body.outputs,
    sampleRunId: body.sampleRunId,
    signal: req.signal,
  });
  return NextResponse.json(result);
});
