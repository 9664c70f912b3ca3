import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { createPipelineFromKit, fromKitSchema } from "@/lib/starter-kits/create-from-kit";

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, fromKitSchema);
  return NextResponse.json({ pipeline: await createPipelineFromKit(userId, input) }, { status: 201 });
});
