import { NextResponse } from "next/server";
import { handler, requireCaller } from "@/lib/api/route";
import { endAllSessions } from "@/lib/users/sessions";

/** «Выйти на всех устройствах»: ends every session of the user, this one included. */
export const DELETE = handler(async (req) => {
  const caller = await requireCaller(req);
  const ended = await endAllSessions(caller.userId);
  return NextResponse.json({ ok: true, endedSessions: ended });
});
