"use client";
import { useTranslations } from "next-intl";
import type { StepRecord } from "@/lib/actions/step-record";
import { useEditorLocale } from "./context";

export function Json({ value, className = "" }: { value: unknown; className?: string }) {
  return (
    <pre
      className={`max-h-64 overflow-auto whitespace-pre-wrap break-all rounded-md bg-slate-50 p-2 font-mono text-[11.5px] leading-snug text-slate-800 ${className}`}
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** One step's test outcome: status, time, error, output and (folded) input. */
export function StepResult({ record, title }: { record: StepRecord; title?: string }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const ok = record.status === "succeeded";
  return (
    <div
      data-testid="step-result"
      data-status={record.status}
      className={`space-y-2 rounded-lg border p-3 ${ok ? "border-emerald-200 bg-emerald-50/40" : "border-red-200 bg-red-50/40"}`}
    >
      <div className="flex items-center gap-2 text-sm">
        <span className={`font-medium ${ok ? "text-emerald-700" : "text-red-700"}`}>{ok ? t("test.ok") : t("test.failed")}</span>
        {title ? <span className="truncate text-slate-600">{title}</span> : null}
        <span className="ml-auto text-xs text-slate-500">
          {t("test.duration", { ms: record.durationMs })}
          {record.attempts > 1 ? ` · ${t("test.attempts", { n: record.attempts })}` : ""}
        </span>
      </div>
      {record.error ? (
        <p className="text-sm text-red-700" data-testid="step-error">
          {locale === "en" ? record.error.messageEn : record.error.message}
        </p>
      ) : null}
      {record.output !== null ? (
        <div>
          <div className="mb-1 text-xs font-medium text-slate-500">{t("test.output")}</div>
          <Json value={record.output} />
        </div>
      ) : null}
      {record.input !== null ? (
        <details>
          <summary className="cursor-pointer text-xs font-medium text-slate-500">{t("test.input")}</summary>
          <Json value={record.input} className="mt-1" />
        </details>
      ) : null}
    </div>
  );
}
