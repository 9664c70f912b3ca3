import { prisma } from "../db";
import { isUuid } from "../uuid";
import { pipelineView } from "./pipeline-view";

/** Another user's pipeline is indistinguishable from a missing one (null → 404). */
export async function getPipeline(userId: string, id: string) {
  if (!isUuid(id)) return null;
  const row = await prisma.pipeline.findFirst({ where: { id, userId }, include: { sources: true } });
  return row ? pipelineView(row) : null;
}
