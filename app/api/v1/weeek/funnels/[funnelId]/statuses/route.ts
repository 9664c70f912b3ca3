import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { unprocessable } from "@/lib/api/errors";
import { listWeeekStatuses } from "@/lib/weeek/list-funnels";
import { credentialSecretById } from "@/lib/weeek/credential-secret";

type P = { funnelId: string };
const tokenBodySchema = z.object({ token: z.string().trim().min(1, "введите токен Weeek").max(10_000) });

export const GET = handler<P>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const credentialId = new URL(req.url).searchParams.get("credentialId");
  if (!credentialId) throw unprocessable("credentialId: обязательный параметр");
  const { secret } = await credentialSecretById(userId, credentialId);
  return NextResponse.json({ statuses: await listWeeekStatuses(secret, params.funnelId) });
});

export const POST = handler<P>(async (req, { params }) => {
  await requireUserId(req);
  const { token } = await parseBody(req, tokenBodySchema);
  return NextResponse.json({ statuses: await listWeeekStatuses(token, params.funnelId) });
});
