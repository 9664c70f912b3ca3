import { prisma } from "../db";
import { pipelineView } from "./pipeline-view";

/** Another user's pipeline is indistinguishable from a missing one (null → 404). */
export async function getPipeline(userId: string, id: string) {
  if (!isUuid(id)) return null;
  const row = await prisma.pipeline.findFirst({ where: { id, userId }, include: { sources: true } });
  return row ? pipelineView(row) : null;
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
