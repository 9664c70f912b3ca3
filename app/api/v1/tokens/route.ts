import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { createApiToken, listApiTokens } from "@/lib/users/api-tokens";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  return NextResponse.json({ tokens: await listApiTokens(userId) });
});

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const { name } = await parseBody(req, z.object({ name: z.string().trim().min(1, "name: обязательное поле").max(100) }));
  return NextResponse.json({ token: await createApiToken(userId, name) }, { status: 201 });
});
