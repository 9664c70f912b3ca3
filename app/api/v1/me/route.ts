import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { getUser, updateUser } from "@/lib/users/get-user";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  return NextResponse.json({ user: await getUser(userId) });
});

export const PATCH = handler(async (req) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, z.object({ locale: z.enum(["ru", "en"]).optional(), name: z.string().max(100).optional() }));
  return NextResponse.json({ user: await updateUser(userId, input) });
});
