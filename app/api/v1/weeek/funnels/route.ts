// GET ?credentialId= uses a saved credential; POST {token} checks a token the wizard has not saved
// yet. Neither answer contains the token.
import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { unprocessable } from "@/lib/api/errors";
import { listWeeekFunnels } from "@/lib/weeek/list-funnels";
import { credentialSecretById } from "@/lib/weeek/credential-secret";

const tokenBodySchema = z.object({ token: z.string().trim().min(1, "введите токен Weeek").max(10_000) });

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  const credentialId = new URL(req.url).searchParams.get("credentialId");
  if (!credentialId) throw unprocessable("credentialId: обязательный параметр");
  const { secret } = await credentialSecretById(userId, credentialId);
  return NextResponse.json({ funnels: await listWeeekFunnels(secret) });
});

export const POST = handler(async (req) => {
  await requireUserId(req);
  const { token } = await parseBody(req, tokenBodySchema);
  return NextResponse.json({ funnels: await listWeeekFunnels(token) });
});
