import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { conflict } from "@/lib/api/errors";
import { listCredentials } from "@/lib/credentials/list-credentials";
import { createCredential } from "@/lib/credentials/create-credential";
import { CredentialNameTakenError } from "@/lib/credentials/types";

export const GET = handler(async (req) => {
  const userId = await requireUserId(req);
  return NextResponse.json({ credentials: await listCredentials(userId) });
});

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const { name, secret } = await parseBody(req, z.object({ name: z.string(), secret: z.string() }));
  try {
    return NextResponse.json({ credential: await createCredential({ userId, name, secret }) }, { status: 201 });
  } catch (e) {
    if (e instanceof CredentialNameTakenError) throw conflict(e.message);
    throw e;
  }
});
