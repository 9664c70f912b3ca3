"use client";
// Pipeline settings: the optional limit of incoming webhook requests per minute.
import { useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

export function WebhookRateLimit({ pipelineId, initial }: { pipelineId: string; initial: number | null }) {
  const t = useTranslations("security");
  const [value, setValue] = useState(initial === null ? "" : String(initial));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6" data-testid="webhook-rate-limit">
      <h2 className="text-base font-semibold">{t("rateLimitTitle")}</h2>
      <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("rateLimitHint")}</p>
      <form
        className="mt-4 flex max-w-md items-end gap-2"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setSaved(false);
          try {
            const limit = value.trim() === "" ? null : Number(value);
            await api(`/api/v1/pipelines/${pipelineId}`, { method: "PATCH", body: { settings: { webhookRateLimit: limit } } });
            setSaved(true);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Field label={t("rateLimitLabel")}>
          <Input
            name="webhookRateLimit"
            type="number"
            min={1}
            max={100000}
            step={1}
            placeholder={t("rateLimitNone")}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </Field>
        <Button type="submit" variant="primary" className="shrink-0">
          {t("rateLimitSave")}
        </Button>
      </form>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {saved ? (
        <p role="status" className="mt-2 text-sm text-emerald-700">
          {t("rateLimitSaved")}
        </p>
      ) : null}
    </section>
  );
}
