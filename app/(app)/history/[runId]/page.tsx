import Link from "next/link";
import { notFound } from "next/navigation";
import { getFormatter, getLocale, getTranslations } from "next-intl/server";
import { pageUserId } from "@/lib/auth";
import { getRun, type RunStepView } from "@/lib/runs/get-run";
import { RunStatusBadge } from "@/components/history/run-status";
import { JsonView } from "@/components/history/json-view";
import { RerunControls } from "@/components/history/rerun-controls";
import { LiveRefresh } from "@/components/history/live-refresh";
import { explainStepError, formatBytes, formatDuration, httpExchange } from "@/components/history/run-display";
import { getAction } from "@/lib/actions/registry";
import { SCHEDULE_METHOD } from "@/lib/schedule/method";
import { ScheduledBadge } from "@/components/history/scheduled-badge";

export const dynamic = "force-dynamic";

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const userId = await pageUserId();
  const run = await getRun(userId, runId);
  if (!run) notFound();
  const t = await getTranslations("historyPage");
  const format = await getFormatter();
  const locale = (await getLocale()) === "en" ? "en" : "ru";
  const when = (iso: string | null) => (iso ? format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "medium" }) : "—");
  const stepName = (id: string) => run.steps.find((s) => s.stepId === id)?.name || id;
  const live = run.status === "QUEUED" || run.status === "RUNNING" || run.status === "WAITING";
  // The path taken: the steps that ran, an «Условие» with the branch it chose.
  const taken = run.steps.filter((s) => s.status !== "SKIPPED");
  const branched = run.steps.some((s) => s.status === "SKIPPED" || s.actionType === "condition" || s.actionType === "filter");
  const pathText = taken
    .map((s) => {
      const out = s.output as { branchName?: unknown } | null;
      const name = s.name || s.actionType;
      return s.actionType === "condition" && out && typeof out.branchName === "string" ? `${name} (${out.branchName})` : name;
    })
    .join(" → ");
  const isGet = run.request.method.toUpperCase() === "GET";
  // «По расписанию»: no HTTP request, the payload is { firedAt, scheduledFor }.
  const scheduled = run.request.method === SCHEDULE_METHOD;
  const scheduledFor = scheduled ? String((run.payload as { scheduledFor?: unknown } | null)?.scheduledFor ?? "") || null : null;
  const failed = run.status === "FAILED" ? (run.steps.find((s) => s.stepId === run.failedStepId) ?? run.steps.find((s) => s.status === "FAILED")) : undefined;

  return (
    <div className="mx-auto max-w-6xl space-y-6 px-8 py-8" data-testid="run-detail" data-run-id={run.id} data-status={run.status}>
      <LiveRefresh active={live} />
      <div>
        <Link href={`/history?pipelineId=${run.pipeline.id}`} className="text-sm text-slate-500 hover:text-slate-800">
          {t("back")}
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold tracking-tight">
            {t("run")} · {run.pipeline.name}
          </h1>
          <RunStatusBadge status={run.status} />
          {scheduled ? (
            <ScheduledBadge large label={t("scheduled")} title={scheduledFor ? t("scheduledTitle", { time: when(scheduledFor) }) : undefined} />
          ) : null}
        </div>
        <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
          <Meta label={t("received")} value={when(run.receivedAt)} />
          <Meta label={t("started")} value={when(run.startedAt)} />
          <Meta label={t("finished")} value={when(run.finishedAt)} />
          <Meta label={t("duration")} value={formatDuration(run.durationMs, locale)} />
        </dl>
        {run.source && (run.source.several || run.source.removed) ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="run-source">
            {t("source")}:{" "}
            <Link href={`/history?pipelineId=${run.pipeline.id}&sourceId=${run.source.id}`} className="font-medium text-slate-800 hover:text-indigo-700">
              {run.source.name}
            </Link>
            {run.source.removed ? <span className="text-slate-500"> ({t("sourceRemovedNote")})</span> : null}
          </p>
        ) : null}
        <div className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
          <Link href={`/history/${run.id}/version`} className="text-indigo-700 hover:underline" data-testid="version-link">
            {t("versionLink", { version: run.version })}
          </Link>
          <span className="text-slate-500">{t("attempts", { count: run.attempts })}</span>
          <span className="font-mono text-xs text-slate-400">{run.id}</span>
        </div>
      </div>

      {run.rerunOf ? (
        <div className="rounded-md border border-sky-200 bg-sky-50 px-4 py-2 text-sm text-sky-900" data-testid="rerun-of">
          ↺ {t("rerunOfLink")}{" "}
          <Link href={`/history/${run.rerunOf.id}`} className="font-medium underline">
            {when(run.rerunOf.receivedAt)}
          </Link>{" "}
          <RunStatusBadge status={run.rerunOf.status} />
          {run.resumeFromStepId ? <span className="ml-2 text-sky-800">— {t("resumedFrom", { step: stepName(run.resumeFromStepId) })}</span> : null}
        </div>
      ) : null}

      {run.status === "DUPLICATE" ? (
        <div className="rounded-md border border-slate-300 bg-slate-50 px-4 py-2 text-sm text-slate-800" data-testid="duplicate-of">
          ≈ {t("duplicateOf")}{" "}
          {run.duplicateOf ? (
            <>
              <Link href={`/history/${run.duplicateOf.id}`} className="font-medium underline" data-testid="duplicate-of-link">
                {when(run.duplicateOf.receivedAt)}
              </Link>{" "}
              <RunStatusBadge status={run.duplicateOf.status} />
            </>
          ) : (
            <span className="text-slate-500">{t("duplicateOfGone")}</span>
          )}
        </div>
      ) : null}

      {run.status === "REJECTED" ? (
        <div className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="reject-reason">
          <span className="font-medium">{t("rejectReason")}:</span> {run.rejectReason ?? "—"}
        </div>
      ) : null}
      {run.status === "WAITING" && run.waitUntil ? (
        <div className="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-800" data-testid="run-waiting">
          {t("waitingUntil", { time: format.dateTime(new Date(run.waitUntil), { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" }) })}
        </div>
      ) : null}
      {run.status === "FILTERED" ? (
        <div className="rounded-md border border-stone-200 bg-stone-50 px-4 py-3 text-sm text-stone-700" data-testid="run-filtered">
          {run.error ?? t("filteredNote")}
        </div>
      ) : null}
      {branched && taken.length > 0 ? (
        <div className="text-sm text-slate-700" data-testid="run-path">
          <span className="font-medium">{t("path")}:</span> {pathText}
        </div>
      ) : null}
      {run.status === "FAILED" && run.error ? (
        <div className="space-y-2 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" data-testid="run-error">
          {failed ? <ErrorExplain step={failed} pipelineId={run.pipeline.id} t={t} /> : null}
          <div className={failed?.errorDetail ? "text-xs text-red-700" : undefined}>
            <span className="font-medium">{failed?.errorDetail ? t("explain.rawError") : t("error")}:</span>{" "}
            <span className="whitespace-pre-wrap break-words" data-testid="run-error-text">
              {run.error}
            </span>
          </div>
        </div>
      ) : null}

      <RerunControls
        runId={run.id}
        pipelineId={run.pipeline.id}
        status={run.status}
        canResume={run.status === "FAILED" && !!run.failedStepId}
        version={run.version}
        currentVersion={run.pipeline.currentVersion}
      />

      {run.reruns.length > 0 ? (
        <section data-testid="reruns">
          <h2 className="mb-2 text-sm font-semibold text-slate-700">{t("rerunsTitle")}</h2>
          <ul className="space-y-1 text-sm">
            {run.reruns.map((r) => (
              <li key={r.id} className="flex items-center gap-2">
                <Link href={`/history/${r.id}`} className="text-indigo-700 hover:underline" data-testid="rerun-link">
                  {when(r.receivedAt)}
                </Link>
                <RunStatusBadge status={r.status} />
                {r.resumeFromStepId ? <span className="text-xs text-slate-500">{t("resumedFrom", { step: stepName(r.resumeFromStepId) })}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="space-y-2" data-testid="request">
        <h2 className="text-lg font-semibold">{scheduled ? t("scheduledRequest") : t("request")}</h2>
        {run.payloadPruned ? <p className="text-sm italic text-slate-500">{t("prunedNote")}</p> : null}
        <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
          <Meta label={t("method")} value={scheduled ? t("methodSchedule") : run.request.method} />
          {scheduled ? <Meta label={t("scheduledFor")} value={when(scheduledFor)} /> : <Meta label={t("contentType")} value={run.request.contentType ?? "—"} />}
          <Meta label={t("size")} value={formatBytes(run.request.sizeBytes, locale)} />
        </dl>
        {/* A schedule run has no HTTP request: only the data its steps read. */}
        {scheduled ? null : (
          <>
            {/* A GET (Klientiks' webhooks) carries its data in the query string: that opens first. */}
            <div className="grid gap-2 lg:grid-cols-2">
              <JsonView title={t("query")} value={run.request.query} open={isGet} testId="request-query" />
              <JsonView title={t("headers")} value={run.request.headers} />
            </div>
            {isGet && run.request.body == null && !run.request.rawBody ? null : (
              <JsonView title={t("body")} value={run.request.body ?? run.request.rawBody ?? null} open={!isGet} testId="request-body" />
            )}
            {run.request.rawBody && run.request.body !== null ? <JsonView title={t("rawBody")} value={run.request.rawBody} /> : null}
          </>
        )}
        <JsonView title={t("payload")} value={run.payload} open={scheduled} />
      </section>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">{t("steps")}</h2>
        {run.steps.length === 0 ? <p className="text-sm text-slate-500">{t(run.status === "DUPLICATE" ? "noStepsDuplicate" : "noSteps")}</p> : null}
        <ol className="relative space-y-4 border-l-2 border-slate-200 pl-6">
          {run.steps.map((s) => (
            <StepRow
              key={s.stepId}
              step={s}
              t={t}
              when={when}
              locale={locale}
              pipelineId={run.pipeline.id}
              explainedStepId={run.error ? failed?.stepId : undefined}
            />
          ))}
        </ol>
      </section>
    </div>
  );
}

function Meta({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-slate-800">{value}</dd>
    </div>
  );
}

type T = Awaited<ReturnType<typeof getTranslations<"historyPage">>>;

/**
 * A failed step in plain words (from its stored errorDetail, never by parsing the error text) and
 * the two ways to fix it: the step in the editor, the credential it uses.
 */
function ErrorExplain({ step, pipelineId, t }: { step: RunStepView; pipelineId: string; t: T }) {
  const ex = explainStepError(step.errorDetail);
  if (!ex) return null;
  const v = { ...ex.values, message: ex.values.message || "none", host: ex.values.host || "—" };
  const usesCredential = (step.errorDetail?.credentials?.length ?? 0) > 0;
  const cred = step.credentials[0];
  return (
    <div className="space-y-1.5" data-testid="error-explain" data-kind={step.errorDetail?.kind}>
      <p className="font-medium text-red-900">{t(`explain.${ex.key}`, v)}</p>
      <p className="flex flex-wrap gap-x-4 gap-y-1">
        <Link
          href={`/pipelines/${pipelineId}?step=${encodeURIComponent(step.stepId)}`}
          className="font-medium text-indigo-700 underline hover:text-indigo-900"
          data-testid="open-step"
        >
          {t("explain.openStep")}
        </Link>
        {usesCredential ? (
          <Link
            href={cred ? `/settings?credential=${cred.id}#credential-${cred.id}` : "/settings#credentials"}
            className="font-medium text-indigo-700 underline hover:text-indigo-900"
            data-testid="open-credential"
          >
            {t("explain.openCredential")}
          </Link>
        ) : null}
      </p>
    </div>
  );
}

function StepRow({
  step: s,
  t,
  when,
  locale,
  pipelineId,
  explainedStepId,
}: {
  step: RunStepView;
  t: T;
  when: (iso: string) => string;
  locale: "ru" | "en";
  pipelineId: string;
  explainedStepId?: string;
}) {
  const actionLabel = getAction(s.actionType)?.label[locale] ?? s.actionType;
  const http = httpExchange(s);
  if (s.status === "SKIPPED") {
    return (
      <li className="relative opacity-60" data-testid="step" data-step-id={s.stepId} data-status={s.status}>
        <span className="absolute -left-[31px] top-1.5 h-3 w-3 rounded-full bg-slate-200 ring-4 ring-white" aria-hidden />
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-slate-500 line-through decoration-slate-300">
            {s.position + 1}. {s.name || s.actionType}
          </span>
          <RunStatusBadge status={s.status} step />
          <span className="text-xs text-slate-400">{t("notTaken")}</span>
        </div>
      </li>
    );
  }
  const dot = s.status === "FAILED" ? "bg-red-500" : s.status === "SUCCEEDED" ? "bg-emerald-500" : s.status === "RUNNING" ? "bg-sky-500" : "bg-slate-300";
  return (
    <li className="relative" data-testid="step" data-step-id={s.stepId} data-status={s.status}>
      <span className={`absolute -left-[31px] top-1.5 h-3 w-3 rounded-full ring-4 ring-white ${dot}`} aria-hidden />
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-slate-900">
          {s.position + 1}. {s.name || actionLabel}
        </span>
        <span className="text-xs text-slate-400" data-testid="step-action">
          {actionLabel}
        </span>
        <RunStatusBadge status={s.status} step />
        <span className="text-xs text-slate-500">{t("attempts", { count: s.attempts })}</span>
        <span className="text-xs text-slate-500">{formatDuration(s.durationMs, locale)}</span>
        <span className="text-xs text-slate-400">{when(s.startedAt)}</span>
        {s.truncated ? (
          <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800" data-testid="step-truncated">
            ✂ {t("truncatedStep")}
          </span>
        ) : null}
      </div>
      {s.error ? (
        <div className="mt-2 space-y-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="step-error">
          {/* The run's banner explains the failed step; a step failed in an earlier attempt explains itself. */}
          {s.stepId !== explainedStepId ? <ErrorExplain step={s} pipelineId={pipelineId} t={t} /> : null}
          <div>
            <span className="font-medium">{t("error")}:</span> <span className="whitespace-pre-wrap break-words">{s.error}</span>
          </div>
        </div>
      ) : null}
      <div className="mt-2 space-y-2">
        {http ? (
          <>
            {http.request ? (
              <JsonView
                title={`${t("httpRequest")}: ${http.request.method} ${http.request.url}`}
                value={{ headers: http.request.headers, body: http.request.body }}
                testId="http-request"
              />
            ) : null}
            {http.response ? (
              <JsonView
                title={`${t("httpResponse")}: ${http.response.status ?? "—"}`}
                value={
                  http.response.headers
                    ? { status: http.response.status, headers: http.response.headers, body: http.response.body }
                    : { status: http.response.status, body: http.response.body }
                }
                open={s.status === "FAILED"}
                testId="http-response"
              />
            ) : null}
          </>
        ) : (
          <>
            {s.input !== null ? <JsonView title={t("input")} value={s.input} testId="step-input" /> : null}
            {s.output !== null ? <JsonView title={t("output")} value={s.output} testId="step-output" /> : null}
          </>
        )}
      </div>
    </li>
  );
}
