"use client";
import { useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";
import { FormStatus } from "./form-status";

/** Per-pipeline history retention; saved through PATCH /api/v1/pipelines/:id { settings }. */
export function RetentionSettings({
  pipelineId,
  retentionDays,
  storeSuccessPayloads,
}: {
  pipelineId: string;
  retentionDays: number;
  storeSuccessPayloads: boolean;
}) {
  const t = useTranslations("historyPage.retention");
  const [days, setDays] = useState(String(retentionDays));
  const [store, setStore] = useState(storeSuccessPayloads);
  const [state, setState] = useState<"idle" | "saving" | "saved">("idle");
  const [error, setError] = useState<string | null>(null);

  async function save() {
    setError(null);
    setState("saving");
    try {
      await api(`/api/v1/pipelines/${pipelineId}`, {
        method: "PATCH",
        body: { settings: { retentionDays: Number(days), storeSuccessPayloads: store } },
      });
      setState("saved");
    } catch (e) {
      setError((e as Error).message);
      setState("idle");
    }
  }

  return (
    <form
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      data-testid="retention-settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2 className="text-sm font-semibold text-slate-800">{t("title")}</h2>
      <label className="block space-y-1">
        <span className="text-sm text-slate-700">{t("days")}</span>
        <input
          type="number"
          min={1}
          max={3650}
          required
          value={days}
          onChange={(e) => (setDays(e.target.value), setState("idle"))}
          className="block w-28 rounded-md border border-slate-300 px-2 py-1 text-sm"
          aria-label={t("days")}
        />
        <span className="block text-xs text-slate-500">{t("daysHint")}</span>
      </label>
      <label className="flex items-start gap-2">
        <input type="checkbox" checked={store} onChange={(e) => (setStore(e.target.checked), setState("idle"))} className="mt-0.5" />
        <span>
          <span className="block text-sm text-slate-700">{t("storeSuccess")}</span>
          <span className="block text-xs text-slate-500">{t("storeSuccessHint")}</span>
        </span>
      </label>
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={state === "saving"}>
          {t("save")}
        </Button>
        <FormStatus notice={state === "saved" ? t("saved") : null} error={error} />
      </div>
    </form>
  );
}
