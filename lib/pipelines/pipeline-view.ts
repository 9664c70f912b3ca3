import { env } from "../env";
import { definitionSchema, sourcesOf } from "../definition/schema";

type PipelineRow = {
  id: string;
  name: string;
  status: "STOPPED" | "RUNNING";
  version: number;
  webhookToken: string;
  definition: unknown;
  createdAt: Date;
  updatedAt: Date;
  retentionDays: number;
  storeSuccessPayloads: boolean;
  alertsEnabled: boolean;
  alertRecipients: string[];
  alertThrottleMinutes: number;
  webhookRateLimit: number | null;
  /** The Source rows (their tokens); without them every source but the first shows no URL. */
  sources?: { id: string; token: string | null }[];
};

export const webhookUrl = (token: string) => `${env().APP_URL.replace(/\/$/, "")}/hooks/${token}`;

/** The API/UI view of a pipeline: never the raw row (the token only as the full URL, for its owner). */
export function pipelineView(p: PipelineRow) {
  const definition = definitionSchema.parse(p.definition ?? {});
  const tokens = new Map((p.sources ?? []).map((s) => [s.id, s.token]));
  const list = sourcesOf(definition, p.id);
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    version: p.version,
    /** The URL of the first source (the one every обработка had before several sources). */
    webhookUrl: webhookUrl(p.webhookToken),
    /** Every source with its own URL (null for a schedule source). */
    sources: list.map((s, i) => {
      const token = tokens.get(s.id) ?? (i === 0 && s.type !== "schedule" && !p.sources ? p.webhookToken : null);
      return { id: s.id, name: s.name, type: s.type, webhookUrl: token ? webhookUrl(token) : null };
    }),
    definition,
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
