import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { rerunSchema } from "@/lib/runs/api-schemas";
import { rerunRun } from "@/lib/runs/rerun-runs";

export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const opts = await parseBody(req, rerunSchema);
  const res = await rerunRun({ userId, runId: params.id, ...opts });
  if (!res) throw notFound("Операция не найдена");
  return NextResponse.json(res, { status: 201 });
});
