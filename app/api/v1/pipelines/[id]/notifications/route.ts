import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { listNotifications } from "@/lib/alerts/list-notifications";

type P = { id: string };

export const GET = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const limit = Number(new URL(req.url).searchParams.get("limit") ?? 50) || 50;
  const notifications = await listNotifications(userId, params.id, limit);
  if (!notifications) throw notFound("Обработка не найдена");
  return NextResponse.json({ notifications });
});
