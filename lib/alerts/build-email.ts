// Turns a Notification row into the e-mail to send. The body is rendered at send time from the
// runs it names (the row keeps ids, not text), with every value passed through the e-mail masker
// built from the owner's credential values.
import { prisma } from "../db";
import { env } from "../env";
import { resolveCredentials } from "../credentials/resolve-credentials";
import { composeEmail, type ComposedEmail, type RunInfo } from "./compose-email";
import { emailLocale } from "./email-strings";
import { createEmailMasker, type EmailMasker } from "./mask-email";
import { allSourceFields, definitionSchema } from "../definition/schema";
import { getByPath } from "../definition/paths";
import { stepTitle } from "../definition/step-title";

/**
 * Digest and recovered e-mails keep at most this many failed run ids; beyond it only the count
 * grows. A RECOVERED row lists the successful run first, then the failures gathered before it.
 */
export const MAX_RUN_IDS = 1000;
const INPUT_FIELDS = 5;
const VALUE_CHARS = 200;
const BODY_CHARS = 300;

const appUrl = () => env().APP_URL.replace(/\/$/, "");
export const runLink = (runId: string) => `${appUrl()}/history/${runId}`;
export const settingsLink = (pipelineId: string) => `${appUrl()}/pipelines/${pipelineId}/settings`;

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const show = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));

/**
 * The first fields in the order the user knows them (the pipeline's source field list); Postgres
 * jsonb does not keep the payload's own key order, so that order is only the fallback.
 */
function inputFields(payload: unknown, definition: unknown, m: EmailMasker): [string, string][] {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return [];
  const parsed = definitionSchema.safeParse(definition ?? {});
  const paths = [...(parsed.success ? allSourceFields(parsed.data).map((f) => f.path) : []), ...Object.keys(payload)];
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    if (out.length >= INPUT_FIELDS) break;
    if (seen.has(path)) continue;
    seen.add(path);
    const { found, value } = getByPath(payload, path);
    if (!found) continue;
    out.push([m.text(path), cut(oneLine(m.field(path, show(value))), VALUE_CHARS)]);
  }
  return out;
}

type StepRow = { stepId: string; position: number; name: string; actionType: string; error: string | null; output: unknown };

function stepInfo(step: StepRow | undefined, locale: "ru" | "en", m: EmailMasker): RunInfo["step"] {
  if (!step) return null;
  const out = step.output && typeof step.output === "object" ? (step.output as Record<string, unknown>) : null;
  const status = typeof out?.status === "number" ? out.status : undefined;
  const body = out && "body" in out ? cut(oneLine(m.text(show(out.body))), BODY_CHARS) : undefined;
  return {
    title: m.text(stepTitle(step.position, step.name.trim() || step.actionType)[locale]),
    error: cut(m.text(step.error ?? ""), 2000),
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(body ? { bodyExcerpt: body } : {}),
  };
}

export type BuiltEmail = { to: string[]; email: ComposedEmail; userId: string; locale: "ru" | "en" };

export async function buildEmail(notificationId: string): Promise<BuiltEmail | null> {
  const n = await prisma.notification.findUnique({
    where: { id: notificationId },
    include: { user: { select: { email: true, locale: true } }, pipeline: { select: { id: true, name: true, definition: true } } },
  });
  if (!n) return null;
  const locale = emailLocale(n.user.locale);
  // A failure to read the credentials must stop the e-mail (retry), never send it unmasked.
  const secrets = Object.values(await resolveCredentials(n.userId));
  const m = createEmailMasker(secrets);
  const detailed = n.kind === "FAILURE";
  const rows = n.runIds.length
    ? await prisma.run.findMany({
        where: { id: { in: n.runIds.slice(0, MAX_RUN_IDS + 1) }, userId: n.userId },
        select: {
          id: true,
          status: true,
          error: true,
          receivedAt: true,
          finishedAt: true,
          payload: detailed,
          failedStepId: true,
          steps: detailed
            ? {
                where: { status: "FAILED" },
                orderBy: { position: "asc" },
                take: 1,
                select: { stepId: true, position: true, name: true, actionType: true, error: true, output: true },
              }
            : false,
        },
      })
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const runs: RunInfo[] = n.runIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const steps = (r as { steps?: StepRow[] }).steps;
    return [
      {
        id: r.id,
        link: runLink(r.id),
        at: r.finishedAt ?? r.receivedAt,
        status: r.status,
        error: r.error ? cut(oneLine(m.text(r.error)), 500) : null,
        step: detailed ? stepInfo(steps?.find((s) => s.stepId === r.failedStepId) ?? steps?.[0], locale, m) : null,
        inputs: detailed ? inputFields((r as { payload?: unknown }).payload, n.pipeline?.definition, m) : [],
      },
    ];
  });
  const failureCount = n.kind === "DIGEST" ? n.runIds.length : n.kind === "RECOVERED" ? Math.max(0, n.runIds.length - 1) : 0;
  const email = composeEmail({
    kind: n.kind,
    locale,
    subject: m.text(n.subject),
    pipelineName: m.text(n.pipeline?.name ?? ""),
    settingsLink: settingsLink(n.pipelineId ?? ""),
    at: n.createdAt,
    runs,
    failureCount,
    capped: failureCount >= MAX_RUN_IDS,
  });
  return { to: n.to, email, userId: n.userId, locale };
}
