import { NextResponse } from "next/server";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { createPipelineFromTemplate, fromTemplateSchema } from "@/lib/starter-kits/create-from-kit";

export const POST = handler(async (req) => {
  const userId = await requireUserId(req);
  const input = await parseBody(req, fromTemplateSchema);
  return NextResponse.json({ pipeline: await createPipelineFromTemplate(userId, input) }, { status: 201 });
});
