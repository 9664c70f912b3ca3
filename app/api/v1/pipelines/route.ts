import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { listPipelines } from "@/lib/pipelines/list-pipelines";
import { createPipeline, createPipelineSchema } from "@/lib/pipelines/create-pipeline";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  return NextResponse.json({ pipelines: await listPipelines(userId) });
});

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, createPipelineSchema);
  return NextResponse.json({ pipeline: await createPipeline(userId, input) }, { status: 201 });
});
