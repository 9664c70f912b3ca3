"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

export type CredentialRow = { id: string; name: string; hint: string; updatedAt: string };

/** «Ключи доступа»: named secrets for steps (e.g. a Weeek API token). The secret is write-only. */
export function Credentials({ credentials, focusId }: { credentials: CredentialRow[]; focusId?: string }) {
  const t = useTranslations("editor.credentials");
  const format = useFormatter();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      router.refresh();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };

  return (
    <section id="credentials" className="rounded-xl border border-slate-200 bg-white p-6" data-testid="credentials">
      <h2 className="text-base font-semibold">{t("title")}</h2>
      <p className="mt-1 text-sm text-slate-500">{t("hint")}</p>
      <form
        className="mt-4 grid max-w-2xl grid-cols-[1fr_1fr_auto] gap-2"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          const ok = await run(() => api("/api/v1/credentials", { body: { name: String(data.get("name") ?? ""), secret: String(data.get("secret") ?? "") } }));
          if (ok) form.reset();
        }}
      >
        <Input name="name" aria-label={t("name")} placeholder={t("name")} required maxLength={100} />
        <Input name="secret" type="password" autoComplete="off" aria-label={t("secret")} placeholder={t("secret")} required />
        <Button type="submit" variant="primary">
          {t("add")}
        </Button>
      </form>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <ul className="mt-4 divide-y divide-slate-100">
        {credentials.length === 0 ? <li className="py-2 text-sm text-slate-500">{t("empty")}</li> : null}
        {credentials.map((c) => (
          <li
            key={c.id}
            id={`credential-${c.id}`}
            className={`flex flex-wrap items-center gap-3 py-2 text-sm ${c.id === focusId ? "-mx-2 rounded-md bg-amber-50 px-2 ring-2 ring-amber-300" : ""}`}
            data-testid="credential-row"
            data-focused={c.id === focusId ? "true" : undefined}
          >
            <span className="font-medium">{c.name}</span>
            <code className="text-slate-500">{c.hint}</code>
            <span className="flex-1 text-xs text-slate-500">
              {t("updated")}: {format.dateTime(new Date(c.updatedAt), { dateStyle: "short", timeStyle: "short" })}
            </span>
            {replacing === c.id ? (
              <form
                className="flex gap-2"
                onSubmit={async (e) => {
                  e.preventDefault();
                  const secret = String(new FormData(e.currentTarget).get("secret") ?? "");
                  if (await run(() => api(`/api/v1/credentials/${c.id}`, { method: "PATCH", body: { secret } }))) setReplacing(null);
                }}
              >
                <Input
                  name="secret"
                  type="password"
                  autoComplete="off"
                  aria-label={t("newSecret")}
                  placeholder={t("newSecret")}
                  required
                  autoFocus
                  className="w-56"
                />
                <Button type="submit" variant="primary">
                  {t("save")}
                </Button>
                <Button onClick={() => setReplacing(null)}>{t("cancel")}</Button>
              </form>
            ) : (
              <>
                <Button onClick={() => setReplacing(c.id)}>{t("replace")}</Button>
                <Button
                  variant="danger"
                  onClick={() => {
                    if (confirm(t("confirmDelete", { name: c.name }))) void run(() => api(`/api/v1/credentials/${c.id}`, { method: "DELETE" }));
                  }}
                >
                  {t("delete")}
                </Button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
