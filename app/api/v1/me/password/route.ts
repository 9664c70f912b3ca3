import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireCaller } from "@/lib/api/route";
import { changePassword } from "@/lib/users/change-password";

/** Change the password (the current one is required); every other session ends. */
export const POST = handler(async (req) => {
  const caller = await requireCaller(req);
  const input = await parseBody(req, z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().max(200) }));
  const ended = await changePassword(caller.userId, input.currentPassword, input.newPassword, caller.via === "session" ? caller.sessionId : undefined);
  return NextResponse.json({ ok: true, endedSessions: ended });
});
