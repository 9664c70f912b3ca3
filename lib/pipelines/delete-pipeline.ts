import { prisma } from "../db";
import { isUuid } from "./get-pipeline";
import { reconcilePipelineSchedules } from "../schedule/scheduler";

export async function deletePipeline(userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.pipeline.deleteMany({ where: { id, userId } });
  if (count > 0) await reconcilePipelineSchedules(id);
  return count > 0;
}
