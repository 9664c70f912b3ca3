import { NextResponse } from "next/server";
import { z } from "zod";
import { handler, parseBody, requireUserId } from "@/lib/api/route";
import { notFound } from "@/lib/api/errors";
import { fetchSourceFields } from "@/lib/pipelines/fetch-source-fields";

// «Получить»: the newest request (or the chosen runId) becomes the source's field list.
export const POST = handler<{ id: string }>(async (req, { params }) => {
  const userId = await requireUserId(req);
  const { runId, sourceId } = await parseBody(
    req,
    z.object({ runId: z.uuid("runId: неверный id").optional(), sourceId: z.uuid("sourceId: неверный id").optional() }),
  );
  const result = await fetchSourceFields({ userId, pipelineId: params.id, runId, sourceId });
  if (!result) throw notFound(runId ? "Запрос не найден" : "Обработка не найдена");
  return NextResponse.json(result);
});
