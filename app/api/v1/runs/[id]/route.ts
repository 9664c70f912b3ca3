import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { getRun } from "@/lib/runs/get-run";

export const GET = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const run = await getRun(userId, params.id);
  if (!run) throw notFound("Операция не найдена");
  return NextResponse.json({ run });
});
