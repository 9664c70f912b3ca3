"use client";
// The source panel (docs/sources.md): the обработка's sources — «Добавить источник», and for the
// chosen one its name, type, URL (copy, «Сменить адрес»), «Получить», «Дубликаты» and fields.
import { useState } from "react";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";
import { MAX_SOURCES, SOURCE_KINDS, type SourceDefinition, type SourceKind } from "@/lib/definition/schema";
import { useEditor, useStore } from "./context";
import { addSource, fetchFields, patchSource, removeSource, rotate } from "./commands";
import { ActionIcon } from "./icons";
import { KlientiksUrlBuilder } from "@/components/kit/klientiks-url-builder";
import { DedupSection } from "./dedup-section";
import { ScheduleSettings } from "./schedule-settings";

type RecentRequest = { id: string; receivedAt: string; method: string; status: string; summary: string };

const NO_SOURCES: SourceDefinition[] = [];

export function SourcePanel() {
  const t = useTranslations("editor");
  const store = useStore();
  const sources = useEditor((s) => s.def.sources ?? NO_SOURCES);
  const activeId = useEditor((s) => s.activeSource);
  const active = sources.find((s) => s.id === activeId) ?? sources[0];

  return (
    <div className="flex h-full flex-col" data-testid="source-panel">
      <div className="flex items-center gap-2 border-b border-slate-200 px-4 py-3">
        <span className="flex h-7 w-7 items-center justify-center rounded-md bg-emerald-50 text-emerald-600">
          <ActionIcon icon="webhook" />
        </span>
        <h2 className="flex-1 text-sm font-semibold">{t("sources.title")}</h2>
        <Button variant="ghost" className="px-2" aria-label={t("close")} title={t("close")} onClick={() => store.set(() => ({ selected: null }))}>
          ✕
        </Button>
      </div>
      <div className="flex-1 space-y-5 overflow-auto px-4 py-4">
        <section className="space-y-2">
          <ul className="flex flex-wrap gap-1.5" role="tablist" aria-label={t("sources.title")} data-testid="source-list">
            {sources.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  role="tab"
                  aria-selected={s.id === active?.id}
                  data-testid="source-tab"
                  data-source-id={s.id}
                  onClick={() => store.set(() => ({ activeSource: s.id }))}
                  className={`max-w-[14rem] truncate rounded-md border px-2.5 py-1 text-sm ${s.id === active?.id ? "border-indigo-500 bg-indigo-50 font-medium text-indigo-800" : "border-slate-200 bg-white text-slate-700 hover:bg-slate-50"}`}
                  title={`${s.name} · ${t(`sources.types.${s.type}`)}`}
                >
                  {s.name} <span className="text-xs font-normal text-slate-500">· {t(`sources.types.${s.type}`)}</span>
                </button>
              </li>
            ))}
            <li>
              <Button
                variant="ghost"
                className="border border-dashed border-indigo-300 px-2.5 py-1 text-indigo-700"
                disabled={sources.length >= MAX_SOURCES}
                title={sources.length >= MAX_SOURCES ? t("sources.max", { max: MAX_SOURCES }) : undefined}
                onClick={() => addSource(store, t("sources.newName"))}
                data-testid="add-source"
              >
                + {t("sources.add")}
              </Button>
            </li>
          </ul>
        </section>
        {active ? <SourceDetails key={active.id} source={active} only={sources.length === 1} /> : null}
      </div>
    </div>
  );
}

function SourceDetails({ source, only }: { source: SourceDefinition; only: boolean }) {
  const t = useTranslations("editor");
  const format = useFormatter();
  const store = useStore();
  const url = useEditor((s) => s.sourceUrls[source.id]);
  const savedHere = useEditor((s) => source.id in s.sourceUrls);
  const sampleRunId = useEditor((s) => s.sampleRunId);
  const fields = source.fields ?? [];
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "info"; text: string } | null>(null);
  const [requests, setRequests] = useState<RecentRequest[] | null>(null);
  const urlId = `webhook-url-${source.id}`;

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
      const found = await fetchFields(store, source.id, runId);
      setMessage(found ? null : { kind: "info", text: t("source.nothingYet") });
      if (found) setRequests(null);
    });
  const hasUrl = source.type !== "schedule";

  return (
    <div className="space-y-5" data-testid="source-details" data-source-id={source.id}>
      <section className="grid grid-cols-[1fr_auto] gap-2">
        <div>
          <label htmlFor={`source-name-${source.id}`} className="block text-xs font-medium text-slate-600">
            {t("sources.name")}
          </label>
          <input
            id={`source-name-${source.id}`}
            value={source.name}
            maxLength={80}
            onChange={(e) => patchSource(store, source.id, { name: e.target.value })}
            data-testid="source-name"
            className={`w-full rounded-md border px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 ${source.name.trim() ? "border-slate-300" : "border-red-400"}`}
          />
          {source.name.trim() ? null : <p className="mt-1 text-xs text-red-700">{t("sources.nameRequired")}</p>}
        </div>
        <div>
          <label htmlFor={`source-type-${source.id}`} className="block text-xs font-medium text-slate-600">
            {t("sources.type")}
          </label>
          <select
            id={`source-type-${source.id}`}
            value={source.type}
            onChange={(e) => patchSource(store, source.id, { type: e.target.value as SourceKind })}
            data-testid="source-type"
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`sources.types.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <p className="col-span-2 text-xs text-slate-500">{t(`sources.typeHints.${source.type}`)}</p>
      </section>

      {source.type === "schedule" ? <ScheduleSettings source={source} /> : null}

      {hasUrl ? (
        <section className="space-y-2">
          <label htmlFor={urlId} className="block text-sm font-medium text-slate-700">
            {t("source.url")}
          </label>
          {url ? (
            <>
              <div className="flex gap-2">
                <input
                  id={urlId}
                  readOnly
                  value={url}
                  data-testid="webhook-url"
                  onFocus={(e) => e.currentTarget.select()}
                  className="min-w-0 flex-1 rounded-md border border-slate-300 bg-slate-50 px-2 py-1.5 font-mono text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
                />
                <Button
                  onClick={async () => {
                    try {
                      await navigator.clipboard.writeText(url);
                    } catch {
                      // Clipboard access may be refused (insecure origin); the field stays selectable.
                      (document.getElementById(urlId) as HTMLInputElement | null)?.select();
                    }
                    setCopied(true);
                    setTimeout(() => setCopied(false), 1500);
                  }}
                  className="w-28 shrink-0"
                  data-testid="copy-url"
                >
                  {copied ? t("source.copied") : t("source.copy")}
                </Button>
              </div>
              <p className="text-xs text-slate-500">{t("source.urlHint")}</p>
              <Button
                variant="ghost"
                className="px-0 text-xs text-slate-600"
                disabled={busy}
                onClick={() => {
                  if (confirm(t("source.rotateConfirm"))) void run(() => rotate(store, source.id));
                }}
              >
                ↻ {t("source.rotate")}
              </Button>
              {source.type === "webhook" ? (
                <details className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2" data-testid="klientiks-url">
                  <summary className="cursor-pointer text-sm font-medium text-slate-700">{t("source.klientiks")}</summary>
                  <div className="pt-2">
                    <KlientiksUrlBuilder webhookUrl={url} />
                  </div>
                </details>
              ) : null}
            </>
          ) : (
            <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="url-after-save">
              {savedHere ? t("sources.urlAfterTypeSave") : t("sources.urlAfterSave")}
            </p>
          )}
        </section>
      ) : null}

      {source.type === "vk" ? (
        <section className="space-y-1">
          <label htmlFor={`vk-confirmation-${source.id}`} className="block text-sm font-medium text-slate-700">
            {t("sources.vkConfirmation")}
          </label>
          <input
            id={`vk-confirmation-${source.id}`}
            value={source.vk?.confirmation ?? ""}
            maxLength={100}
            onChange={(e) => patchSource(store, source.id, { vk: { confirmation: e.target.value.trim(), credential: source.vk?.credential ?? "" } })}
            className="w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm"
            data-testid="vk-confirmation"
          />
          <p className="text-xs text-slate-500">{t("sources.vkConfirmationHint")}</p>
        </section>
      ) : null}

      {hasUrl ? (
        <section className="space-y-2">
          <div className="flex items-center gap-2">
            <Button variant="primary" disabled={busy} onClick={() => void load()} data-testid="fetch-fields">
              {t("source.fetch")}
            </Button>
            <Button
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  const res = await api<{ requests: RecentRequest[] }>(
                    `/api/v1/pipelines/${store.get().pipelineId}/requests?sourceId=${encodeURIComponent(source.id)}`,
                  );
                  setRequests(res.requests);
                })
              }
            >
              {t("source.pick")}
            </Button>
          </div>
          <p className="text-xs text-slate-500">{t("source.fetchHint")}</p>
          {message ? (
            <p role={message.kind === "error" ? "alert" : "status"} className={`text-sm ${message.kind === "error" ? "text-red-700" : "text-slate-600"}`}>
              {message.text}
            </p>
          ) : null}
          {requests ? (
            <ul className="divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="recent-requests">
              {requests.length === 0 ? <li className="px-3 py-2 text-sm text-slate-500">{t("source.nothingYet")}</li> : null}
              {requests.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    onClick={() => void load(r.id)}
                    className={`w-full px-3 py-1.5 text-left text-xs hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none ${r.id === sampleRunId ? "bg-indigo-50" : ""}`}
                  >
                    <span className="font-medium text-slate-700">{format.dateTime(new Date(r.receivedAt), { dateStyle: "short", timeStyle: "medium" })}</span>{" "}
                    <span className="text-slate-500">{r.method}</span>
                    <span className="block truncate font-mono text-slate-600">{r.summary}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}

      {hasUrl ? <DedupSection sourceId={source.id} /> : null}

      {hasUrl ? (
        <section className="space-y-2">
          <h3 className="text-sm font-medium text-slate-700">{t("source.fields", { count: fields.length })}</h3>
          {fields.length === 0 ? (
            <p className="text-sm text-slate-500">{t("source.noFields")}</p>
          ) : (
            <table className="w-full table-fixed text-xs" data-testid="source-fields">
              <thead>
                <tr className="text-left text-slate-500">
                  <th className="w-2/5 pb-1 font-medium">{t("source.field")}</th>
                  <th className="pb-1 font-medium">{t("source.example")}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {fields.map((f) => (
                  <tr key={f.path}>
                    <td className="truncate py-1 pr-2 font-mono text-slate-800" title={f.path}>
                      {f.path}
                    </td>
                    <td className="truncate py-1 text-slate-600" title={f.example}>
                      {f.example ?? ""}
                      {f.type && f.type !== "string" ? <span className="ml-1 text-slate-400">({f.type})</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}

      <section className="border-t border-slate-200 pt-3">
        <Button
          variant="danger"
          disabled={only}
          title={only ? t("sources.lastOne") : undefined}
          onClick={() => {
            if (confirm(t("sources.deleteConfirm", { name: source.name }))) removeSource(store, source.id);
          }}
          data-testid="delete-source"
        >
          {t("sources.delete")}
        </Button>
        {only ? <p className="mt-1 text-xs text-slate-500">{t("sources.lastOne")}</p> : null}
      </section>
    </div>
  );
}
