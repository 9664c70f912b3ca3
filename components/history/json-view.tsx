"use client";
import { useLocale, useTranslations } from "next-intl";
import { CopyButton } from "./copy-button";
import { findTruncations, formatBytes, jsonText } from "./run-display";

/**
 * A folded JSON block: the summary line shows the title, size and any truncation; the body is
 * the pretty JSON, copyable. Masked secrets are stored as "***" and shown as they are.
 */
export function JsonView({ title, value, open = false, testId }: { title: string; value: unknown; open?: boolean; testId?: string }) {
  const t = useTranslations("historyPage");
  const locale = useLocale() === "en" ? "en" : "ru";
  const text = jsonText(value);
  const cuts = findTruncations(value);
  const lines = text.split("\n").length;
  return (
    <details open={open || lines <= 12} className="group rounded-md border border-slate-200 bg-white" data-testid={testId}>
      <summary className="flex cursor-pointer select-none items-center gap-2 px-3 py-1.5 text-xs text-slate-600">
        <span className="text-slate-400 group-open:rotate-90 transition-transform" aria-hidden>
          ▶
        </span>
        <span className="font-medium text-slate-700">{title}</span>
        <span className="text-slate-400">{formatBytes(new TextEncoder().encode(text).length, locale)}</span>
        {cuts.length > 0 ? (
          <span data-testid="truncated-mark" className="rounded bg-amber-100 px-1.5 py-0.5 text-amber-800">
            ✂ {t("truncated", { size: formatBytes(cuts[0].bytes, locale) })}
          </span>
        ) : null}
        <span className="ml-auto">
          <CopyButton text={text} />
        </span>
      </summary>
      <pre className="max-h-96 overflow-auto border-t border-slate-100 bg-slate-50 px-3 py-2 font-mono text-xs leading-5 text-slate-800 whitespace-pre-wrap break-all">
        {text === "" ? "—" : text}
      </pre>
    </details>
  );
}
