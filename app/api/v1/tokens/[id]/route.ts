import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { isUuid } from "@/lib/uuid";
import { revokeApiToken } from "@/lib/users/api-tokens";

export const DELETE = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  if (!isUuid(params.id) || !(await revokeApiToken(userId, params.id))) throw notFound("Токен не найден");
  return new NextResponse(null, { status: 204 });
});
