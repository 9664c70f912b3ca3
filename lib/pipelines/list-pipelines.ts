import { prisma } from "../db";
import { pipelineView } from "./pipeline-view";

export async function listPipelines(userId: string) {
  const rows = await prisma.pipeline.findMany({ where: { userId }, orderBy: { createdAt: "desc" } });
  return rows.map(pipelineView);
}
