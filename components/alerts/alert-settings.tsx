"use client";
import { useState } from "react";
import { useFormatter, useTranslations } from "next-intl";
import { z } from "zod";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

export type AlertSettingsValue = { alertsEnabled: boolean; alertRecipients: string[]; alertThrottleMinutes: number };

export type NotificationItem = {
  id: string;
  kind: "FAILURE" | "DIGEST" | "RECOVERED" | "TEST" | string;
  to: string[];
  subject: string;
  runCount: number;
  status: "PENDING" | "SENT" | "FAILED" | string;
  error: string | null;
  attempts: number;
  createdAt: string;
};

const MAX_RECIPIENTS = 20;
// The same check the API applies (updatePipelineSchema), so what passes here is not rejected there.
const emailSchema = z.email();

export function splitAddresses(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

const statusStyle: Record<string, string> = {
  SENT: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  FAILED: "bg-red-50 text-red-700 ring-red-600/20",
  PENDING: "bg-amber-50 text-amber-700 ring-amber-600/20",
};

export function AlertSettings({
  pipelineId,
  ownerEmail,
  initial,
  notifications: initialNotifications,
}: {
  pipelineId: string;
  ownerEmail: string;
  initial: AlertSettingsValue;
  notifications: NotificationItem[];
}) {
  const t = useTranslations("alerts");
  const format = useFormatter();
  const [enabled, setEnabled] = useState(initial.alertsEnabled);
  const [recipients, setRecipients] = useState(initial.alertRecipients.join("\n"));
  const [throttle, setThrottle] = useState(String(initial.alertThrottleMinutes));
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [notifications, setNotifications] = useState(initialNotifications);

  const reload = async () => {
    const res = await api<{ notifications: NotificationItem[] }>(`/api/v1/pipelines/${pipelineId}/notifications`);
    setNotifications(res.notifications);
  };

  const validate = (): AlertSettingsValue | null => {
    const list = splitAddresses(recipients);
    const bad = list.filter((a) => !emailSchema.safeParse(a).success);
    const minutes = Number(throttle);
    const problem = bad.length
      ? t("invalidAddresses", { list: bad.join(", ") })
      : list.length > MAX_RECIPIENTS
        ? t("tooMany")
        : !Number.isInteger(minutes) || minutes < 1 || minutes > 1440
          ? t("invalidThrottle")
          : null;
    if (problem) {
      setFormError(problem);
      return null;
    }
    return { alertsEnabled: enabled, alertRecipients: list, alertThrottleMinutes: minutes };
  };

  return (
    <div className="space-y-6">
      <section className="rounded-xl border border-slate-200 bg-white p-6" aria-labelledby="alerts-title" data-testid="alert-settings">
        <h2 id="alerts-title" className="text-base font-semibold">
          {t("title")}
        </h2>
        <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("hint", { owner: ownerEmail })}</p>
        <form
          className="mt-4 max-w-xl space-y-4"
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            setSaved(false);
            setFormError(null);
            const settings = validate();
            if (!settings) return;
            setSaving(true);
            try {
              await api(`/api/v1/pipelines/${pipelineId}`, { method: "PATCH", body: { settings } });
              setRecipients(settings.alertRecipients.join("\n"));
              setSaved(true);
            } catch (err) {
              setFormError((err as Error).message);
            } finally {
              setSaving(false);
            }
          }}
        >
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.target.checked);
                setSaved(false);
              }}
              className="h-4 w-4 rounded border-slate-300"
            />
            {t("enabled")}
          </label>
          <Field label={t("recipients")} hint={t("recipientsHint")}>
            <textarea
              value={recipients}
              onChange={(e) => {
                setRecipients(e.target.value);
                setSaved(false);
              }}
              rows={3}
              placeholder="ops@example.ru"
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            />
          </Field>
          <Field label={t("throttle")} hint={t("throttleHint")}>
            <Input
              type="number"
              min={1}
              max={1440}
              step={1}
              value={throttle}
              onChange={(e) => {
                setThrottle(e.target.value);
                setSaved(false);
              }}
              className="max-w-32"
            />
          </Field>
          {formError ? (
            <p role="alert" className="text-sm text-red-700">
              {formError}
            </p>
          ) : null}
          {saved ? (
            <p role="status" className="text-sm text-emerald-700">
              {t("saved")}
            </p>
          ) : null}
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" variant="primary" disabled={saving}>
              {saving ? t("saving") : t("save")}
            </Button>
            <Button
              disabled={testing}
              onClick={async () => {
                setTesting(true);
                setTestResult(null);
                try {
                  const res = await api<{ notification: NotificationItem }>(`/api/v1/pipelines/${pipelineId}/test-email`, { method: "POST", body: {} });
                  setTestResult({ ok: true, message: t("testSent", { to: res.notification.to.join(", ") }) });
                } catch (err) {
                  setTestResult({ ok: false, message: t("testFailed", { error: (err as Error).message }) });
                } finally {
                  setTesting(false);
                  await reload().catch(() => undefined);
                }
              }}
            >
              {testing ? t("sending") : t("sendTest")}
            </Button>
          </div>
          {testResult ? (
            <p
              data-testid="test-email-result"
              data-ok={testResult.ok}
              role={testResult.ok ? "status" : "alert"}
              className={`rounded-md p-3 text-sm ${testResult.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}
            >
              {testResult.message}
            </p>
          ) : null}
        </form>
      </section>

      <section className="rounded-xl border border-slate-200 bg-white p-6" aria-labelledby="notifications-title">
        <div className="flex items-center justify-between">
          <h2 id="notifications-title" className="text-base font-semibold">
            {t("history")}
          </h2>
          <Button variant="ghost" onClick={() => reload().catch(() => undefined)}>
            {t("refresh")}
          </Button>
        </div>
        {notifications.length === 0 ? (
          <p className="mt-3 text-sm text-slate-500">{t("noNotifications")}</p>
        ) : (
          <div className="mt-3 overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">{t("col.time")}</th>
                  <th className="py-2 pr-4 font-medium">{t("col.kind")}</th>
                  <th className="py-2 pr-4 font-medium">{t("col.to")}</th>
                  <th className="py-2 pr-4 font-medium">{t("col.subject")}</th>
                  <th className="py-2 pr-4 font-medium">{t("col.status")}</th>
                  <th className="py-2 font-medium">{t("col.error")}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {notifications.map((n) => (
                  <tr key={n.id} data-testid="notification-row" data-status={n.status} className="align-top">
                    <td className="whitespace-nowrap py-2 pr-4 text-slate-500">
                      {format.dateTime(new Date(n.createdAt), { dateStyle: "short", timeStyle: "medium" })}
                    </td>
                    <td className="py-2 pr-4">
                      {t.has(`kind.${n.kind}`) ? t(`kind.${n.kind}`) : n.kind}
                      {n.runCount > 1 ? <div className="text-xs text-slate-500">{t("runs", { n: n.runCount })}</div> : null}
                    </td>
                    <td className="py-2 pr-4 break-all">{n.to.join(", ")}</td>
                    <td className="py-2 pr-4">{n.subject}</td>
                    <td className="py-2 pr-4">
                      <span
                        className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${statusStyle[n.status] ?? statusStyle.PENDING}`}
                      >
                        {t.has(`status.${n.status}`) ? t(`status.${n.status}`) : n.status}
                      </span>
                      {n.attempts > 1 ? <div className="text-xs text-slate-500">{t("attempts", { n: n.attempts })}</div> : null}
                    </td>
                    <td className="py-2 text-red-700">{n.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
