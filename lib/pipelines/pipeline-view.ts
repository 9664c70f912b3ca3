import { env } from "../env";
import { definitionSchema } from "../definition/schema";

type PipelineRow = {
  id: string; name: string; status: "STOPPED" | "RUNNING"; version: number; webhookToken: string;
  definition: unknown; createdAt: Date; updatedAt: Date;
  retentionDays: number; storeSuccessPayloads: boolean; alertsEnabled: boolean; alertRecipients: string[]; alertThrottleMinutes: number;
  webhookRateLimit: number | null;
};

export const webhookUrl = (token: string) => `${env().APP_URL.replace(/\/$/, "")}/hooks/${token}`;

/** The API/UI view of a pipeline: never the raw row (the token only as the full URL, for its owner). */
export function pipelineView(p: PipelineRow) {
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    version: p.version,
    webhookUrl: webhookUrl(p.webhookToken),
    definition: definitionSchema.parse(p.definition ?? {}),
    settings: {
      retentionDays: p.retentionDays,
      storeSuccessPayloads: p.storeSuccessPayloads,
      alertsEnabled: p.alertsEnabled,
      alertRecipients: p.alertRecipients,
      alertThrottleMinutes: p.alertThrottleMinutes,
      /** Incoming webhook requests accepted per minute; null = no limit. */
      webhookRateLimit: p.webhookRateLimit,
    },
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
export type PipelineView = ReturnType<typeof pipelineView>;
