import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { updatePipeline, updatePipelineSchema } from "@/lib/pipelines/update-pipeline";
import { deletePipeline } from "@/lib/pipelines/delete-pipeline";

type P = { id: string };

export const GET = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const pipeline = await getPipeline(userId, params.id);
  if (!pipeline) throw notFound("Обработка не найдена");
  return NextResponse.json({ pipeline });
});

export const PATCH = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, updatePipelineSchema);
  const pipeline = await updatePipeline(userId, params.id, input);
  if (!pipeline) throw notFound("Обработка не найдена");
  return NextResponse.json({ pipeline });
});

export const DELETE = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  if (!(await deletePipeline(userId, params.id))) throw notFound("Обработка не найдена");
  return new NextResponse(null, { status: 204 });
});
