import { z } from "zod";
import { prisma, Prisma } from "../db";
import { ConflictError } from "../errors";
import { definitionSchema } from "../definition/schema";
import { pipelineView } from "./pipeline-view";
import { syncSources } from "./sync-sources";
import { isUuid } from "../uuid";
import { invalidateSourceSettings } from "../webhooks/source-settings";
import { hasScheduleSource, reconcilePipelineSchedules } from "../schedule/scheduler";

export const updatePipelineSchema = z
  .object({
    name: z.string().trim().min(1, "name: обязательное поле").max(200).optional(),
    definition: definitionSchema.optional(),
    /** Optimistic concurrency: the version the editor loaded; a mismatch answers 409. */
    expectedVersion: z.number().int().positive().optional(),
    settings: z
      .object({
        retentionDays: z.number().int().min(1).max(3650).optional(),
        storeSuccessPayloads: z.boolean().optional(),
        alertsEnabled: z.boolean().optional(),
        alertRecipients: z.array(z.email("alertRecipients: неверный адрес")).max(20).optional(),
        alertThrottleMinutes: z.number().int().min(1).max(1440).optional(),
        /** Incoming webhook requests per minute (429 above it); null removes the limit. */
        webhookRateLimit: z
          .number("webhookRateLimit: нужно число запросов в минуту или null")
          .int("webhookRateLimit: нужно целое число")
          .min(1, "webhookRateLimit: не меньше 1 запроса в минуту")
          .max(100_000, "webhookRateLimit: не больше 100000 запросов в минуту")
          .nullable()
          .optional(),
      })
      .optional(),
  })
  .refine((v) => v.name !== undefined || v.definition !== undefined || v.settings !== undefined, {
    message: "нужно хотя бы одно из полей name, definition, settings",
  });

/** Saving a definition creates a new PipelineVersion; runs record the version they executed. */
export async function updatePipeline(userId: string, id: string, input: z.infer<typeof updatePipelineSchema>) {
  if (!isUuid(id)) return null;
  let hadSchedule = false;
  const out = await prisma.$transaction(async (tx) => {
    const current = await tx.pipeline.findFirst({ where: { id, userId } });
    if (!current) return null;
    hadSchedule = hasScheduleSource(current.definition);
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw new ConflictError(`Обработка изменена в другом окне: версия ${current.version}, у вас ${input.expectedVersion}`, {
        details: { currentVersion: current.version },
      });
    }
    const data: Prisma.PipelineUpdateInput = { ...(input.settings ?? {}) };
    if (input.name !== undefined) data.name = input.name;
    if (input.definition !== undefined) {
      const version = current.version + 1;
      const definition = input.definition as Prisma.InputJsonValue;
      data.definition = definition;
      data.version = version;
      await tx.pipelineVersion.create({ data: { pipelineId: id, version, definition, createdById: userId } });
      const mirror = await syncSources(tx, { id, userId }, input.definition);
      if (mirror && mirror !== current.webhookToken) data.webhookToken = mirror;
    }
    const row = await tx.pipeline.update({ where: { id }, data, include: { sources: true } });
    return pipelineView(row);
  });
  invalidateSourceSettings();
  // «По расписанию» sources: their schedulers follow the saved definition.
  if (out && input.definition !== undefined && (hadSchedule || hasScheduleSource(input.definition))) await reconcilePipelineSchedules(id);
  return out;
}
