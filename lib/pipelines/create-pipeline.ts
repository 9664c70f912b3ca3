import { randomUUID } from "node:crypto";
import { z } from "zod";
import { prisma, Prisma } from "../db";
import { definitionSchema, emptyDefinition, type PipelineDefinition } from "../definition/schema";
import { pipelineView } from "./pipeline-view";
import { newWebhookToken } from "./rotate-webhook-token";
import { syncSources } from "./sync-sources";
import { invalidateSourceSettings } from "../webhooks/source-settings";

export const createPipelineSchema = z.object({
  name: z.string().trim().min(1, "name: обязательное поле").max(200, "name: не длиннее 200 символов"),
  definition: definitionSchema.optional(),
});

export async function createPipeline(userId: string, input: { name: string; definition?: PipelineDefinition }) {
  const def = input.definition ?? emptyDefinition();
  const definition = def as Prisma.InputJsonValue;
  // The id is chosen here: a definition without `sources` has one source whose id is the pipeline's.
  const id = randomUUID();
  const row = await prisma.$transaction(async (tx) => {
    await tx.pipeline.create({ data: { id, userId, name: input.name, definition, webhookToken: newWebhookToken(), version: 1 } });
    const mirror = await syncSources(tx, { id, userId }, def);
    const p = mirror
      ? await tx.pipeline.update({ where: { id }, data: { webhookToken: mirror }, include: { sources: true } })
      : await tx.pipeline.findUniqueOrThrow({ where: { id }, include: { sources: true } });
    await tx.pipelineVersion.create({ data: { pipelineId: id, version: 1, definition, createdById: userId } });
    return p;
  });
  invalidateSourceSettings();
  return pipelineView(row);
}
