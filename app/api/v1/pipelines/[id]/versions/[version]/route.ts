import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { getVersion } from "@/lib/pipelines/get-version";

export const GET = handler<{ id: string; version: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const version = /^\d{1,9}$/.test(params.version) ? Number(params.version) : NaN;
  const found = Number.isNaN(version) ? null : await getVersion({ userId, pipelineId: params.id, version });
  if (!found) throw notFound("Версия не найдена");
  return NextResponse.json(found);
});
