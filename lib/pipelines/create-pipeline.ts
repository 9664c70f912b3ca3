import { z } from "zod";
import { prisma, Prisma } from "../db";
import { definitionSchema, emptyDefinition, type PipelineDefinition } from "../definition/schema";
import { pipelineView } from "./pipeline-view";
import { newWebhookToken } from "./rotate-webhook-token";
import { invalidateSourceSettings } from "../webhooks/source-settings";

export const createPipelineSchema = z.object({
  name: z.string().trim().min(1, "name: обязательное поле").max(200, "name: не длиннее 200 символов"),
  definition: definitionSchema.optional(),
});


export async function createPipeline(userId: string, input: { name: string; definition?: PipelineDefinition }) {
  const definition = (input.definition ?? emptyDefinition()) as Prisma.InputJsonValue;
  const row = await prisma.$transaction(async (tx) => {
    const p = await tx.pipeline.create({
      data: { userId, name: input.name, definition, webhookToken: newWebhookToken(), version: 1 },
    });
    await tx.pipelineVersion.create({ data: { pipelineId: p.id, version: 1, definition, createdById: userId } });
    return p;
  });
  invalidateSourceSettings();
  return pipelineView(row);
}
