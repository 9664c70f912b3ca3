import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { listVersions } from "@/lib/pipelines/list-versions";

export const GET = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const versions = await listVersions({ userId, pipelineId: params.id });
  if (!versions) throw notFound("Обработка не найдена");
  return NextResponse.json({ versions });
});
