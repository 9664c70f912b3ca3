import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { conflict, notFound } from "@/lib/api/errors";
import { isUuid } from "@/lib/uuid";
import { updateCredential } from "@/lib/credentials/update-credential";
import { deleteCredential } from "@/lib/credentials/delete-credential";
import { CredentialNameTakenError } from "@/lib/credentials/types";

const patchSchema = z
  .object({ name: z.string().optional(), secret: z.string().optional() })
  .refine((v) => v.name !== undefined || v.secret !== undefined, { message: "нужно name или secret" });

export const PATCH = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, patchSchema);
  if (!isUuid(params.id)) throw notFound("Ключ доступа не найден");
  try {
    const credential = await updateCredential({ userId, id: params.id, ...input });
    if (!credential) throw notFound("Ключ доступа не найден");
    return NextResponse.json({ credential });
  } catch (e) {
    if (e instanceof CredentialNameTakenError) throw conflict(e.message);
    throw e;
  }
});

export const DELETE = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  if (!isUuid(params.id) || !(await deleteCredential({ userId, id: params.id }))) throw notFound("Ключ доступа не найден");
  return new NextResponse(null, { status: 204 });
});
