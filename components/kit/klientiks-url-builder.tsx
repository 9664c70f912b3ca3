"use client";
// The «Адрес запроса» a user pastes into Klientiks: this pipeline's webhook URL plus the chosen
// event's parameter string. Exported for the editor's source panel as well as the wizard.
import { useId, useRef, useState } from "react";
import { useLocale, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { DEFAULT_KLIENTIKS_EVENT, KLIENTIKS_EVENTS, buildKlientiksUrl, getKlientiksEvent, type KlientiksEventId } from "@/lib/starter-kits/klientiks-events";

export function KlientiksUrlBuilder({ webhookUrl, defaultEvent = DEFAULT_KLIENTIKS_EVENT }: { webhookUrl: string; defaultEvent?: KlientiksEventId }) {
  const t = useTranslations("kit");
  const locale = useLocale() === "en" ? "en" : "ru";
  const [eventId, setEventId] = useState<KlientiksEventId>(defaultEvent);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const field = useRef<HTMLTextAreaElement>(null);
  const ids = { event: useId(), url: useId() };
  const url = buildKlientiksUrl(webhookUrl, eventId);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopyState("copied");
    } catch {
      // Clipboard API is missing on plain-http hosts other than localhost; selecting the text
      // lets the older command (or the user's Ctrl+C) do it.
      field.current?.select();
      setCopyState(document.execCommand?.("copy") ? "copied" : "failed");
    }
  }

  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="klientiks-url-builder">
      <h3 className="text-sm font-semibold text-slate-900">{t("urlTitle")}</h3>
      <div className="space-y-1">
        <label htmlFor={ids.event} className="text-sm font-medium text-slate-700">
          {t("urlEvent")}
        </label>
        <select
          id={ids.event}
          value={eventId}
          onChange={(e) => {
            setEventId(e.target.value as KlientiksEventId);
            setCopyState("idle");
          }}
          className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm"
          data-testid="klientiks-event"
        >
          {KLIENTIKS_EVENTS.map((e) => (
            <option key={e.id} value={e.id}>
              {e.title[locale]}
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1">
        <label htmlFor={ids.url} className="text-sm font-medium text-slate-700">
          {t("urlField")}
        </label>
        <textarea
          id={ids.url}
          ref={field}
          readOnly
          value={url}
          rows={6}
          onFocus={(e) => e.currentTarget.select()}
          className="block w-full resize-none break-all rounded-md border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-800"
          data-testid="klientiks-url"
        />
        <div className="flex items-center gap-3">
          <Button onClick={() => void copy()} data-testid="copy-klientiks-url">
            {t("copy")}
          </Button>
          {copyState === "copied" ? (
            <span className="text-xs text-emerald-700" role="status">
              {t("copied")}
            </span>
          ) : null}
          {copyState === "failed" ? (
            <span className="text-xs text-red-700" role="status">
              {t("copyFailed")}
            </span>
          ) : null}
        </div>
      </div>
      <ol className="list-decimal space-y-1 pl-5 text-xs text-slate-600">
        <li>{t("urlHowTo1")}</li>
        <li>{t("urlHowTo2", { event: getKlientiksEvent(eventId).title.ru })}</li>
        <li>{t("urlHowTo3", { placeholder: "{{…}}" })}</li>
      </ol>
    </section>
  );
}
