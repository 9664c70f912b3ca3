"use client";
// «Вход и сессии»: change the password (other sessions end) and sign out on all devices.
import { useState } from "react";
import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

export function AccountSecurity() {
  const t = useTranslations("security");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6" data-testid="account-security">
      <h2 className="text-base font-semibold">{t("title")}</h2>
      <form
        className="mt-4 grid max-w-md gap-3"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          setError(null);
          setDone(null);
          setBusy(true);
          try {
            const res = await api<{ endedSessions: number }>("/api/v1/me/password", {
              body: { currentPassword: String(data.get("currentPassword") ?? ""), newPassword: String(data.get("newPassword") ?? "") },
            });
            form.reset();
            setDone(t("passwordChanged", { count: res.endedSessions }));
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field label={t("currentPassword")}>
          <Input name="currentPassword" type="password" autoComplete="current-password" required />
        </Field>
        <Field label={t("newPassword")} hint={t("newPasswordHint")}>
          <Input name="newPassword" type="password" autoComplete="new-password" required minLength={10} />
        </Field>
        <div>
          <Button type="submit" variant="primary" disabled={busy}>
            {t("savePassword")}
          </Button>
        </div>
        {error ? (
          <p role="alert" data-testid="password-error" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {done ? (
          <p role="status" data-testid="password-done" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            {done}
          </p>
        ) : null}
      </form>
      <div className="mt-6 border-t border-slate-100 pt-4">
        <p className="max-w-xl text-sm text-slate-500">{t("signOutEverywhereHint")}</p>
        <Button
          className="mt-3"
          variant="danger"
          onClick={async () => {
            if (!window.confirm(t("signOutEverywhereConfirm"))) return;
            try {
              await api("/api/v1/me/sessions", { method: "DELETE" });
            } finally {
              await signOut({ callbackUrl: "/login" });
            }
          }}
        >
          {t("signOutEverywhere")}
        </Button>
      </div>
    </section>
  );
}
