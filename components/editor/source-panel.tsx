"use client";
import { useState } from "react";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";
import { useEditor, useStore } from "./context";
import { fetchFields, rotate } from "./commands";
import { ActionIcon } from "./icons";
import { KlientiksUrlBuilder } from "@/components/kit/klientiks-url-builder";
import { DedupSection } from "./dedup-section";

type RecentRequest = { id: string; receivedAt: string; method: string; status: string; summary: string };

export function SourcePanel() {
  const t = useTranslations("editor");
  const format = useFormatter();
  const store = useStore();
  const url = useEditor((s) => s.webhookUrl);
  const fields = useEditor((s) => s.def.sourceFields);
  const sampleRunId = useEditor((s) => s.sampleRunId);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "info"; text: string } | null>(null);
  const [requests, setRequests] = useState<RecentRequest[] | null>(null);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await fn();
    } catch (e) {
      setMessage({ kind: "error", text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const load = (runId?: string) =>
    run(async () => {
      const found = await fetchFields(store, runId);
      setMessage(found ? null : { kind: "info", text: t("source.nothingYet") });
      if (found) setRequests(null);
    });

  return (
    <div className="flex h-full flex-col" data-testid="source-panel">
      <div className="flex items-center gap-2 border-b border-slate-200 px-4 py-3">
        <span className="flex h-7 w-7 items-center justify-center rounded-md bg-emerald-50 text-emerald-600"><ActionIcon icon="webhook" /></span>
        <h2 className="flex-1 text-sm font-semibold">{t("source.title")}</h2>
        <Button variant="ghost" className="px-2" aria-label={t("close")} title={t("close")} onClick={() => store.set(() => ({ selected: null }))}>✕</Button>
      </div>
      <div className="flex-1 space-y-5 overflow-auto px-4 py-4">
        <section className="space-y-2">
          <label htmlFor="webhook-url" className="block text-sm font-medium text-slate-700">{t("source.url")}</label>
          <div className="flex gap-2">
            <input id="webhook-url" readOnly value={url} data-testid="webhook-url" onFocus={(e) => e.currentTarget.select()}
              className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-2 py-1.5 font-mono text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500" />
            <Button
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(url);
                } catch {
                  // Clipboard access may be refused (insecure origin); the field stays selectable.
                  (document.getElementById("webhook-url") as HTMLInputElement | null)?.select();
                }
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              }}
              className="w-28 shrink-0"
            >
              {copied ? t("source.copied") : t("source.copy")}
            </Button>
          </div>
          <p className="text-xs text-slate-500">{t("source.urlHint")}</p>
          <Button variant="ghost" className="px-0 text-xs text-slate-600" disabled={busy} onClick={() => { if (confirm(t("source.rotateConfirm"))) void run(() => rotate(store)); }}>
            ↻ {t("source.rotate")}
          </Button>
          <details className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2" data-testid="klientiks-url">
            <summary className="cursor-pointer text-sm font-medium text-slate-700">{t("source.klientiks")}</summary>
            <div className="pt-2"><KlientiksUrlBuilder webhookUrl={url} /></div>
          </details>
        </section>

        <section className="space-y-2">
          <div className="flex items-center gap-2">
            <Button variant="primary" disabled={busy} onClick={() => void load()} data-testid="fetch-fields">{t("source.fetch")}</Button>
            <Button disabled={busy} onClick={() => void run(async () => {
              const res = await api<{ requests: RecentRequest[] }>(`/api/v1/pipelines/${store.get().pipelineId}/requests`);
              setRequests(res.requests);
            })}>{t("source.pick")}</Button>
          </div>
          <p className="text-xs text-slate-500">{t("source.fetchHint")}</p>
          {message ? <p role={message.kind === "error" ? "alert" : "status"} className={`text-sm ${message.kind === "error" ? "text-red-700" : "text-slate-600"}`}>{message.text}</p> : null}
          {requests ? (
            <ul className="divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="recent-requests">
              {requests.length === 0 ? <li className="px-3 py-2 text-sm text-slate-500">{t("source.nothingYet")}</li> : null}
              {requests.map((r) => (
                <li key={r.id}>
                  <button type="button" onClick={() => void load(r.id)} className={`w-full px-3 py-1.5 text-left text-xs hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none ${r.id === sampleRunId ? "bg-indigo-50" : ""}`}>
                    <span className="font-medium text-slate-700">{format.dateTime(new Date(r.receivedAt), { dateStyle: "short", timeStyle: "medium" })}</span>{" "}
                    <span className="text-slate-500">{r.method}</span>
                    <span className="block truncate font-mono text-slate-600">{r.summary}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </section>

        <DedupSection />

        <section className="space-y-2">
          <h3 className="text-sm font-medium text-slate-700">{t("source.fields", { count: fields.length })}</h3>
          {fields.length === 0 ? (
            <p className="text-sm text-slate-500">{t("source.noFields")}</p>
          ) : (
            <table className="w-full table-fixed text-xs" data-testid="source-fields">
              <thead>
                <tr className="text-left text-slate-500"><th className="w-2/5 pb-1 font-medium">{t("source.field")}</th><th className="pb-1 font-medium">{t("source.example")}</th></tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {fields.map((f) => (
                  <tr key={f.path}>
                    <td className="truncate py-1 pr-2 font-mono text-slate-800" title={f.path}>{f.path}</td>
                    <td className="truncate py-1 text-slate-600" title={f.example}>{f.example ?? ""}{f.type && f.type !== "string" ? <span className="ml-1 text-slate-400">({f.type})</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}
