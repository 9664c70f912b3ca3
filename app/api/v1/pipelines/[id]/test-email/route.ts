import { NextResponse } from "next/server";
import { handler, requireUserId } from "@/lib/api/route";
import { ApiError, notFound } from "@/lib/api/errors";
import { sendTestEmail } from "@/lib/alerts/send-test-email";

type P = { id: string };

export const POST = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const result = await sendTestEmail(userId, params.id);
  if (!result) throw notFound("Обработка не найдена");
  // The SMTP server, not this app, failed: 502 with its error for the person at the button.
  if (!result.ok && "rateLimited" in result) {
    throw new ApiError(429, "rate_limited", result.error, undefined, { "Retry-After": String(result.retryAfterSec) });
  }
  if (!result.ok) throw new ApiError(502, "smtp_failed", result.error, { notification: result.notification });
  return NextResponse.json({ ok: true, notification: result.notification });
});
