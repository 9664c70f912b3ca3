"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";
import { useBusyAction } from "@/components/ui/use-busy-action";

/** Re-run of one run: from the start or the failed step, with the version that ran or the current one. */
export function RerunControls({
  runId,
  pipelineId,
  status,
  canResume,
  version,
  currentVersion,
}: {
  runId: string;
  pipelineId: string;
  status: string;
  canResume: boolean;
  version: number;
  currentVersion: number;
}) {
  const t = useTranslations("historyPage");
  const router = useRouter();
  const [from, setFrom] = useState<"failed-step" | "start">(canResume ? "failed-step" : "start");
  const [which, setWhich] = useState<"original" | "current">("original");
  const { busy, error, run: act } = useBusyAction();

  if (status === "NOT_PROCESSED") {
    return (
      <div className="flex items-center gap-2">
        <Button
          variant="primary"
          disabled={busy}
          data-testid="process-run"
          onClick={() =>
            void act(async () => {
              await api(`/api/v1/pipelines/${pipelineId}/process-pending`, { body: { runIds: [runId] } });
              router.refresh();
            })
          }
        >
          ▸ {t("process")}
        </Button>
        {error ? (
          <span role="alert" className="text-sm text-red-700">
            {error}
          </span>
        ) : null}
      </div>
    );
  }
  // A «Дубликат» may be run anyway (a re-run skips the duplicate check).
  if (status !== "FAILED" && status !== "SUCCEEDED" && status !== "FILTERED" && status !== "DUPLICATE") return null;
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="rerun-controls">
      <label className="flex items-center gap-1">
        <span className="text-slate-600">{t("rerunFrom")}:</span>
        <select
          aria-label={t("rerunFrom")}
          value={from}
          onChange={(e) => setFrom(e.target.value as typeof from)}
          className="rounded border border-slate-300 bg-white px-1.5 py-1"
        >
          {canResume ? <option value="failed-step">{t("rerunFromFailed")}</option> : null}
          <option value="start">{t("rerunFromStart")}</option>
        </select>
      </label>
      <label className="flex items-center gap-1">
        <span className="text-slate-600">{t("rerunVersion")}:</span>
        <select
          aria-label={t("rerunVersion")}
          value={which}
          onChange={(e) => setWhich(e.target.value as typeof which)}
          className="rounded border border-slate-300 bg-white px-1.5 py-1"
        >
          <option value="original">{t("rerunVersionOriginal", { version })}</option>
          <option value="current">{t("rerunVersionCurrent", { version: currentVersion })}</option>
        </select>
      </label>
      <Button
        variant="primary"
        disabled={busy}
        data-testid="rerun"
        onClick={() =>
          void act(async () => {
            const res = await api<{ runId: string }>(`/api/v1/runs/${runId}/rerun`, { body: { from, version: which } });
            router.push(`/history/${res.runId}`);
          })
        }
      >
        ↺ {t("rerun")}
      </Button>
      {error ? (
        <span role="alert" className="text-red-700">
          {error}
        </span>
      ) : null}
    </div>
  );
}
