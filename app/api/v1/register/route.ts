import { NextResponse } from "next/server";
import { handler, parseBody } from "@/lib/api/route";
import { ApiError } from "@/lib/api/errors";
import { env } from "@/lib/env";
import { createUser, registerSchema } from "@/lib/users/create-user";

export const POST = handler(async (req) => {
  if (!env().REGISTRATION_OPEN) throw new ApiError(403, "registration_closed", "Регистрация закрыта администратором");
  const input = await parseBody(req, registerSchema);
  const user = await createUser(input);
  return NextResponse.json({ user }, { status: 201 });
});
