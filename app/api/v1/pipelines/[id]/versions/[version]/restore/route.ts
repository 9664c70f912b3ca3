import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { restoreVersion } from "@/lib/pipelines/restore-version";

export const POST = handler<{ id: string; version: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const { expectedVersion } = await parseBody(req, z.object({ expectedVersion: z.number().int().positive().optional() }));
  const version = /^\d{1,9}$/.test(params.version) ? Number(params.version) : NaN;
  const pipeline = Number.isNaN(version) ? null : await restoreVersion({ userId, pipelineId: params.id, version, expectedVersion });
  if (!pipeline) throw notFound("Версия не найдена");
  return NextResponse.json({ pipeline });
});
