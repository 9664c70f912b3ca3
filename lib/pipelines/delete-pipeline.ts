import { prisma } from "../db";
import { reconcilePipelineSchedules } from "../schedule/scheduler";
import { isUuid } from "../uuid";

export async function deletePipeline(userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  // Its «По расписанию» sources' schedulers go with it (Source rows keep the type of every source).
  const scheduled = (await prisma.source.count({ where: { pipelineId: id, userId, type: "schedule" } })) > 0;
  const { count } = await prisma.pipeline.deleteMany({ where: { id, userId } });
  if (count > 0 && scheduled) await reconcilePipelineSchedules(id);
  return count > 0;
}
