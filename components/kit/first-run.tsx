"use client";
// After «Создать обработку» with «Запустить сразу»: «Ждём первое событие…» until the first run of
// the new pipeline appears in the history, then its result and a link to it. Polls the runs API
// (the same list the История операций reads) every 1.5 s until that run has finished.
import { useEffect, useState } from "react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { api } from "@/components/ui/api";
import { RunStatusBadge } from "@/components/history/run-status";
import type { RunListItem } from "@/lib/runs/list-runs";

type FirstRunItem = Pick<RunListItem, "id" | "status" | "error" | "rejectReason">;
const FINAL = new Set(["SUCCEEDED", "FAILED", "REJECTED", "NOT_PROCESSED"]);

export function FirstRun({ pipelineId, intervalMs = 1500 }: { pipelineId: string; intervalMs?: number }) {
  const t = useTranslations("kit");
  const [run, setRun] = useState<FirstRunItem | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const done = run !== null && FINAL.has(run.status);

  useEffect(() => {
    if (done) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const res = await api<{ runs: FirstRunItem[] }>(`/api/v1/runs?pipelineId=${encodeURIComponent(pipelineId)}&limit=50`);
        if (stopped) return;
        // The list is newest first: the first event is the oldest one.
        const first = res.runs.length ? res.runs[res.runs.length - 1] : null;
        setProblem(null);
        if (first) setRun(first);
        if (first && FINAL.has(first.status)) return;
      } catch (e) {
        if (!stopped) setProblem((e as Error).message);
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pipelineId, intervalMs, done]);

  return (
    <section
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-4"
      data-testid="first-run"
      data-status={run?.status ?? "WAITING"}
      aria-live="polite"
    >
      <h3 className="text-sm font-semibold text-slate-900">{t("firstRunTitle")}</h3>
      {!run ? (
        <p className="flex items-center gap-2 text-sm text-slate-600">
          <span aria-hidden className="inline-block h-2.5 w-2.5 animate-pulse rounded-full bg-indigo-500" />
          {t("firstRunWaiting")}
        </p>
      ) : (
        <div className="space-y-2 text-sm">
          <div className="flex flex-wrap items-center gap-2">
            <RunStatusBadge status={run.status} />
            <span className="text-slate-700">{t(`firstRunStatus.${run.status}`)}</span>
          </div>
          {run.status === "FAILED" && run.error ? <p className="break-words text-red-700">{run.error}</p> : null}
          {run.status === "REJECTED" && run.rejectReason ? <p className="break-words text-amber-800">{run.rejectReason}</p> : null}
          <Link href={`/history/${run.id}`} className="inline-flex font-medium text-indigo-700 hover:underline" data-testid="first-run-link">
            {t("firstRunOpen")}
          </Link>
        </div>
      )}
      {problem ? <p className="text-xs text-amber-700">{t("firstRunRetry", { message: problem })}</p> : null}
    </section>
  );
}
