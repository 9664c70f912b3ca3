import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { pipelineFileSchema } from "@/lib/pipelines/export-pipeline";
import { importPipeline } from "@/lib/pipelines/import-pipeline";

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const file = await parseBody(req, pipelineFileSchema);
  return NextResponse.json(await importPipeline(userId, file), { status: 201 });
});
