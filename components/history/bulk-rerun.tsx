"use client";
import { useEffect, useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";
import { useBusyAction } from "@/components/ui/use-busy-action";

type Progress = { total: number; done: number; succeeded: number; failed: number; pending: number };

/** «Перезапустить по фильтру»: creates the re-runs, then follows them to the end with a bar. */
export function BulkRerun({ filter }: { filter: Record<string, string> }) {
  const t = useTranslations("historyPage");
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState<"failed-step" | "start">("failed-step");
  const [version, setVersion] = useState<"original" | "current">("original");
  const [runIds, setRunIds] = useState<string[] | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const { busy, error, run } = useBusyAction();

  useEffect(() => {
    if (!runIds || runIds.length === 0) return;
    let stopped = false;
    const tick = async () => {
      const p = await api<Progress>("/api/v1/runs/progress", { body: { runIds } }).catch(() => null);
      if (stopped || !p) return;
      setProgress(p);
      if (p.pending === 0) clearInterval(timer);
    };
    const timer = setInterval(() => void tick(), 2000);
    void tick();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [runIds]);

  async function start() {
    if (!confirm(t("bulkConfirm"))) return;
    await run(async () => {
      const res = await api<{ count: number; runIds: string[] }>("/api/v1/runs/rerun-bulk", { body: { filter, from, version } });
      setRunIds(res.runIds);
      setProgress({ total: res.count, done: 0, succeeded: 0, failed: 0, pending: res.count });
    });
  }

  if (!open) {
    return (
      <Button onClick={() => setOpen(true)} data-testid="bulk-open">
        ↺ {t("bulkTitle")}
      </Button>
    );
  }
  const pct = progress && progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 0;
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-lg border border-indigo-200 bg-indigo-50/50 px-3 py-2 text-sm" data-testid="bulk-panel">
      <span className="font-medium text-slate-700">{t("bulkTitle")}:</span>
      <select
        aria-label={t("rerunFrom")}
        value={from}
        onChange={(e) => setFrom(e.target.value as typeof from)}
        className="rounded border border-slate-300 bg-white px-1.5 py-1 text-sm"
      >
        <option value="failed-step">{t("rerunFromFailed")}</option>
        <option value="start">{t("rerunFromStart")}</option>
      </select>
      <select
        aria-label={t("rerunVersion")}
        value={version}
        onChange={(e) => setVersion(e.target.value as typeof version)}
        className="rounded border border-slate-300 bg-white px-1.5 py-1 text-sm"
      >
        <option value="original">{t("rerunVersionOriginalShort")}</option>
        <option value="current">{t("rerunVersionCurrentShort")}</option>
      </select>
      <Button variant="primary" disabled={busy} onClick={() => void start()} data-testid="bulk-start">
        {t("bulkButton")}
      </Button>
      {progress ? (
        <div className="flex min-w-64 items-center gap-2" data-testid="bulk-progress">
          {progress.total === 0 ? (
            <span className="text-slate-600">{t("bulkNone")}</span>
          ) : (
            <>
              <div className="h-2 w-32 overflow-hidden rounded bg-slate-200" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
                <div className="h-full bg-indigo-600 transition-all" style={{ width: `${pct}%` }} />
              </div>
              <span className="text-slate-700" data-testid="bulk-progress-text">
                {t("bulkProgress", { done: progress.done, total: progress.total, succeeded: progress.succeeded, failed: progress.failed })}
              </span>
            </>
          )}
        </div>
      ) : null}
      {error ? (
        <span role="alert" className="text-red-700">
          {error}
        </span>
      ) : null}
    </div>
  );
}
