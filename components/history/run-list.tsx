"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useFormatter, useLocale, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";
import type { RunListItem, ListRunsResult } from "@/lib/runs/list-runs";
import { RunStatusBadge } from "./run-status";
import { SCHEDULE_METHOD } from "@/lib/schedule/method";
import { ScheduledBadge } from "./scheduled-badge";

/** «14:30», or «01.12, 14:30» when it is not today (in the same zone as the other times shown). */
function waitTime(format: ReturnType<typeof useFormatter>, iso: string): string {
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  return format.dateTime(d, today ? { hour: "2-digit", minute: "2-digit" } : { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
}
import { formatDuration } from "./run-display";
import { PERIODS, filterBody, searchHref, type HistorySearch } from "./history-query";
import { BulkRerun } from "./bulk-rerun";
import { FormStatus } from "./form-status";

const STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "FILTERED", "WAITING", "REJECTED", "NOT_PROCESSED", "DUPLICATE"] as const;
const POLL_MS = 2000;
const inProgress = (s: string) => s === "QUEUED" || s === "RUNNING" || s === "WAITING";

function cursorOf(r: RunListItem): string {
  // Same encoding as lib/runs/run-filter.ts encodeCursor (base64url of "iso|id").
  const b64 = btoa(unescape(encodeURIComponent(`${r.receivedAt}|${r.id}`)));
  return b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function RunList({
  initial,
  search,
  apiQuery,
  pipelines,
  sources = [],
}: {
  initial: ListRunsResult;
  search: HistorySearch;
  /** The resolved API filter of this page, e.g. "status=FAILED&from=…". */
  apiQuery: string;
  pipelines: { id: string; name: string }[];
  /** The chosen pipeline's sources (the «Источник» filter shows when there are several). */
  sources?: { id: string; name: string; removed: boolean }[];
}) {
  const t = useTranslations("historyPage");
  const format = useFormatter();
  const locale = useLocale() === "en" ? "en" : "ru";
  const router = useRouter();
  const [runs, setRuns] = useState(initial.runs);
  const [next, setNext] = useState(initial.nextCursor);
  const [newCount, setNewCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [period, setPeriod] = useState(search.period ?? "all");
  const [notice, setNotice] = useState<string | null>(null);
  const params = useMemo(() => new URLSearchParams(apiQuery), [apiQuery]);
  const runsRef = useRef(runs);
  runsRef.current = runs;

  useEffect(() => {
    setRuns(initial.runs);
    setNext(initial.nextCursor);
    setNewCount(0);
  }, [initial]);

  // Live: the rows still in progress are refreshed by id, and newer runs are only counted — the
  // list does not jump under the reader's cursor; «показать» brings them in.
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      const current = runsRef.current;
      const ids = current.filter((r) => inProgress(r.status)).map((r) => r.id);
      const q = new URLSearchParams(params);
      if (ids.length) q.set("ids", ids.join(","));
      if (current[0]) q.set("newest", cursorOf(current[0]));
      if (!ids.length && !current[0]) {
        // Empty list: any run at all is new.
        const res = await api<ListRunsResult>(`/api/v1/runs?${params.toString()}&limit=1`).catch(() => null);
        if (!stopped && res && res.runs.length) setNewCount((n) => Math.max(n, 1));
        return;
      }
      const res = await api<{ runs: RunListItem[]; newCount: number }>(`/api/v1/runs/updates?${q.toString()}`).catch(() => null);
      if (stopped || !res) return;
      if (res.runs.length) {
        const byId = new Map(res.runs.map((r) => [r.id, r]));
        setRuns((rs) => rs.map((r) => byId.get(r.id) ?? r));
      }
      setNewCount(res.newCount);
    };
    const timer = setInterval(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [params]);

  const showNew = useCallback(async () => {
    const res = await api<ListRunsResult>(`/api/v1/runs?${params.toString()}`);
    setRuns(res.runs);
    setNext(res.nextCursor);
    setNewCount(0);
  }, [params]);

  async function loadMore() {
    if (!next) return;
    const res = await api<ListRunsResult>(`/api/v1/runs?${params.toString()}&cursor=${encodeURIComponent(next)}`);
    setRuns((rs) => [...rs, ...res.runs]);
    setNext(res.nextCursor);
  }

  async function processPending(pipelineId: string, runIds?: string[]) {
    setError(null);
    try {
      const res = await api<{ count: number }>(`/api/v1/pipelines/${pipelineId}/process-pending`, { body: runIds ? { runIds } : {} });
      setNotice(t("processPendingDone", { count: res.count }));
      router.refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  function submit(form: HTMLFormElement) {
    const fd = new FormData(form);
    const get = (k: string) => String(fd.get(k) ?? "").trim() || undefined;
    const toIso = (v?: string) => (v ? new Date(v).toISOString() : undefined);
    const pipelineId = get("pipelineId");
    const next: HistorySearch = {
      pipelineId,
      // Another pipeline: its sources are other ones.
      sourceId: pipelineId === search.pipelineId ? get("sourceId") : undefined,
      status: get("status"),
      period: get("period") === "all" ? undefined : get("period"),
      q: get("q"),
      from: get("period") === "custom" ? toIso(get("from")) : undefined,
      to: get("period") === "custom" ? toIso(get("to")) : undefined,
    };
    router.push(searchHref(next));
  }

  const localInput = (iso?: string) => {
    if (!iso) return undefined;
    const d = new Date(iso);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  const filtered = Boolean(search.pipelineId || search.sourceId || search.status || search.period || search.q);
  // Runs are labelled with their source where the обработка has several (or the source is gone).
  const sourceLabel = (r: RunListItem) => (r.sourceCount > 1 || r.sourceRemoved ? r.sourceName : null);
  const showSource = runs.some((r) => sourceLabel(r) !== null);
  const hasPending = runs.some((r) => r.status === "NOT_PROCESSED");

  return (
    <div>
      <form
        key={searchHref(search)}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit(e.currentTarget);
        }}
        data-testid="history-filters"
      >
        <FilterSelect label={t("pipeline")} name="pipelineId" defaultValue={search.pipelineId ?? ""} onChange={(e) => submit(e.currentTarget.form!)}>
          <option value="">{t("allPipelines")}</option>
          {pipelines.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </FilterSelect>
        {search.pipelineId && sources.length > 1 ? (
          <FilterSelect
            label={t("source")}
            name="sourceId"
            defaultValue={search.sourceId ?? ""}
            data-testid="source-filter"
            className="max-w-56"
            onChange={(e) => submit(e.currentTarget.form!)}
          >
            <option value="">{t("allSources")}</option>
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.removed ? t("sourceRemoved", { name: s.name }) : s.name}
              </option>
            ))}
          </FilterSelect>
        ) : null}
        <FilterSelect label={t("status")} name="status" defaultValue={search.status ?? ""} onChange={(e) => submit(e.currentTarget.form!)}>
          <option value="">{t("anyStatus")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`statuses.${s}`)}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect
          label={t("period")}
          name="period"
          value={period}
          onChange={(e) => {
            setPeriod(e.target.value);
            if (e.target.value !== "custom") submit(e.currentTarget.form!);
          }}
        >
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {t(`periods.${p}`)}
            </option>
          ))}
        </FilterSelect>
        {period === "custom" ? (
          <>
            <label className="block space-y-1">
              <span className="text-xs font-medium text-slate-600">{t("from")}</span>
              <input
                type="datetime-local"
                name="from"
                defaultValue={localInput(search.from)}
                className="block rounded-md border border-slate-300 px-2 py-1 text-sm"
              />
            </label>
            <label className="block space-y-1">
              <span className="text-xs font-medium text-slate-600">{t("to")}</span>
              <input
                type="datetime-local"
                name="to"
                defaultValue={localInput(search.to)}
                className="block rounded-md border border-slate-300 px-2 py-1 text-sm"
              />
            </label>
          </>
        ) : null}
        <label className="block min-w-64 flex-1 space-y-1">
          <span className="text-xs font-medium text-slate-600">{t("search")}</span>
          <Input name="q" defaultValue={search.q ?? ""} placeholder={t("searchPlaceholder")} aria-label={t("search")} title={t("searchHint")} />
        </label>
        <Button type="submit" variant="primary">
          {t("apply")}
        </Button>
        {filtered ? <Button onClick={() => router.push("/history")}>{t("reset")}</Button> : null}
      </form>

      <div className="mt-3 flex flex-wrap items-center gap-3">
        {newCount > 0 ? (
          <button
            type="button"
            onClick={() => void showNew()}
            data-testid="new-runs"
            className="rounded-full bg-indigo-600 px-3 py-1 text-sm font-medium text-white shadow hover:bg-indigo-700"
          >
            {newCount >= 100 ? t("newRunsMore") : t("newRuns", { count: newCount })} — {t("show")}
          </button>
        ) : null}
        {filtered ? <BulkRerun filter={filterBody(params)} /> : null}
        {search.pipelineId && hasPending ? (
          <Button onClick={() => void processPending(search.pipelineId!)} data-testid="process-pending">
            ▸ {t("processPending")}
          </Button>
        ) : null}
        <FormStatus notice={notice} error={error} />
      </div>

      {runs.length === 0 ? (
        <div className="mt-4 rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center text-sm text-slate-500" data-testid="runs-empty">
          {filtered ? t("emptyFiltered") : t("empty")}
        </div>
      ) : (
        <div className="mt-4 overflow-x-auto rounded-xl border border-slate-200 bg-white">
          <table className="w-full text-sm" data-testid="run-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2 xl:px-4 font-medium">{t("columns.received")}</th>
                {!search.pipelineId ? <th className="px-3 py-2 xl:px-4 font-medium">{t("columns.pipeline")}</th> : null}
                {showSource ? <th className="px-3 py-2 xl:px-4 font-medium">{t("columns.source")}</th> : null}
                <th className="px-3 py-2 xl:px-4 font-medium">{t("columns.status")}</th>
                <th className="px-3 py-2 xl:px-4 text-right font-medium">{t("columns.duration")}</th>
                <th className="hidden px-3 py-2 text-right font-medium xl:table-cell xl:px-4">{t("columns.attempts")}</th>
                <th className="px-3 py-2 xl:px-4 font-medium">{t("columns.input")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {runs.map((r) => (
                <tr
                  key={r.id}
                  data-testid="run-row"
                  data-run-id={r.id}
                  data-status={r.status}
                  className="cursor-pointer hover:bg-slate-50"
                  onClick={() => router.push(`/history/${r.id}`)}
                >
                  <td className="whitespace-nowrap px-3 py-2 xl:px-4 text-slate-700">
                    <Link href={`/history/${r.id}`} className="hover:text-indigo-700" onClick={(e) => e.stopPropagation()}>
                      {format.dateTime(new Date(r.receivedAt), { dateStyle: "short", timeStyle: "medium" })}
                    </Link>
                  </td>
                  {!search.pipelineId ? <td className="max-w-36 truncate xl:max-w-48 px-3 py-2 xl:px-4 text-slate-600">{r.pipelineName}</td> : null}
                  {showSource ? (
                    <td className="max-w-32 truncate xl:max-w-40 px-3 py-2 xl:px-4 text-slate-600" data-testid="run-source" title={sourceLabel(r) ?? undefined}>
                      {sourceLabel(r) !== null ? (r.sourceRemoved ? t("sourceRemoved", { name: r.sourceName ?? "" }) : r.sourceName) : ""}
                    </td>
                  ) : null}
                  <td className="px-3 py-2 xl:px-4">
                    <div className="flex flex-wrap items-center gap-1.5">
                      <RunStatusBadge status={r.status} />
                      {r.method === SCHEDULE_METHOD ? <ScheduledBadge label={t("scheduled")} /> : null}
                      {r.attempts > 1 ? (
                        // Below 1280 px the «Попытки» column gives its room to «Входные данные»; the count moves here.
                        <span className="whitespace-nowrap rounded bg-slate-100 px-1.5 text-[11px] text-slate-500 xl:hidden" data-testid="run-attempts-tag">
                          {t("attemptsTag", { count: r.attempts })}
                        </span>
                      ) : null}
                      {r.rerunOfId ? <span className="whitespace-nowrap rounded bg-slate-100 px-1.5 text-[11px] text-slate-500">↺ {t("rerunOf")}</span> : null}
                      {r.fixedByRunId ? (
                        <Link
                          href={`/history/${r.fixedByRunId}`}
                          onClick={(e) => e.stopPropagation()}
                          data-testid="fixed-by-rerun"
                          className="rounded bg-emerald-50 px-1.5 text-[11px] text-emerald-700 hover:underline xl:whitespace-nowrap"
                          title={t("fixedByRerunTitle")}
                        >
                          ✓{"\u00a0"}
                          {t("fixedByRerun")}
                        </Link>
                      ) : null}
                    </div>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 xl:px-4 text-right tabular-nums text-slate-600">{formatDuration(r.durationMs, locale)}</td>
                  <td className="hidden px-3 py-2 text-right tabular-nums text-slate-600 xl:table-cell xl:px-4">{r.attempts}</td>
                  <td className="w-full max-w-0 px-3 py-2 xl:px-4">
                    <div className="truncate text-slate-700" data-testid="run-summary">
                      {r.payloadPruned ? <span className="italic text-slate-400">{t("pruned")}</span> : r.summary}
                    </div>
                    {r.status === "FAILED" && r.error ? <div className="truncate text-xs text-red-600">{r.error}</div> : null}
                    {r.status === "WAITING" && r.waitUntil ? (
                      <div className="truncate text-xs text-amber-700" data-testid="run-waiting">
                        {t("waitingUntil", { time: waitTime(format, r.waitUntil) })}
                      </div>
                    ) : null}
                    {r.status === "REJECTED" && r.rejectReason ? <div className="truncate text-xs text-amber-700">{r.rejectReason}</div> : null}
                    {r.status === "NOT_PROCESSED" ? (
                      <button
                        type="button"
                        className="text-xs text-indigo-700 hover:underline"
                        onClick={(e) => {
                          e.stopPropagation();
                          void processPending(r.pipelineId, [r.id]);
                        }}
                      >
                        ▸ {t("process")}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <div className="mt-4 text-center">
          <Button onClick={() => void loadMore().catch((e) => setError((e as Error).message))} data-testid="load-more">
            {t("loadMore")}
          </Button>
        </div>
      ) : null}
    </div>
  );
}

/** One filter of the history: a labelled select (the label is also its accessible name). */
function FilterSelect({ label, className = "", ...select }: { label: string } & React.ComponentProps<"select">) {
  return (
    <label className="block space-y-1">
      <span className="text-xs font-medium text-slate-600">{label}</span>
      <select
        aria-label={label}
        className={`block rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm${className ? ` ${className}` : ""}`}
        {...select}
      />
    </label>
  );
}
