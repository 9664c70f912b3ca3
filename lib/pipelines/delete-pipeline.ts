import { prisma } from "../db";
import { isUuid } from "../uuid";

export async function deletePipeline(userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const { count } = await prisma.pipeline.deleteMany({ where: { id, userId } });
  return count > 0;
}
