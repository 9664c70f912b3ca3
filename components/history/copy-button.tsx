"use client";
import { useState } from "react";
import { useTranslations } from "next-intl";

/** Copies text; falls back to a hidden textarea where the Clipboard API is unavailable (plain http). */
export function CopyButton({ text, className = "" }: { text: string; className?: string }) {
  const t = useTranslations("historyPage");
  const [done, setDone] = useState(false);
  async function copy(e: React.MouseEvent) {
    e.preventDefault();
    e.stopPropagation();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement("textarea");
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand("copy");
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  }
  return (
    <button type="button" onClick={copy} className={`rounded px-1.5 py-0.5 text-xs text-slate-500 hover:bg-slate-100 hover:text-slate-800 ${className}`}>
      {done ? t("copied") : t("copy")}
    </button>
  );
}
