// The pipelines a user can filter the history by (names only; the list page's select).
import { prisma } from "../db";

export async function listPipelineOptions(userId: string) {
  return prisma.pipeline.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true, retentionDays: true, storeSuccessPayloads: true },
  });
}
