"use client";
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

type Token = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };

export function ApiTokens({ tokens }: { tokens: Token[] }) {
  const t = useTranslations("settings");
  const format = useFormatter();
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6">
      <h2 className="text-base font-semibold">{t("tokens")}</h2>
      <p className="mt-1 text-sm text-slate-500">{t("tokensHint")}</p>
      <form
        className="mt-4 flex max-w-md gap-2"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          setError(null);
          try {
            const res = await api<{ token: { token: string } }>("/api/v1/tokens", { body: { name: String(new FormData(form).get("name") ?? "") } });
            setCreated(res.token.token);
            form.reset();
            router.refresh();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <Input name="name" placeholder={t("tokenName")} aria-label={t("tokenName")} required />
        <Button type="submit" variant="primary" className="shrink-0">
          {t("createToken")}
        </Button>
      </form>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {created ? (
        <div className="mt-3 rounded-md bg-amber-50 p-3 text-sm">
          {t("tokenOnce")}{" "}
          <code data-testid="new-token" className="break-all font-mono">
            {created}
          </code>
        </div>
      ) : null}
      <ul className="mt-4 divide-y divide-slate-100">
        {tokens.length === 0 ? <li className="py-2 text-sm text-slate-500">{t("noTokens")}</li> : null}
        {tokens.map((tok) => (
          <li key={tok.id} className="flex items-center gap-3 py-2 text-sm" data-testid="token-row">
            <span className="font-medium">{tok.name}</span>
            <code className="text-slate-500">{tok.prefix}…</code>
            <span className="flex-1 text-xs text-slate-500">
              {t("lastUsed")}: {tok.lastUsedAt ? format.dateTime(new Date(tok.lastUsedAt), { dateStyle: "short", timeStyle: "short" }) : t("never")}
            </span>
            <Button
              variant="danger"
              onClick={async () => {
                await api(`/api/v1/tokens/${tok.id}`, { method: "DELETE" });
                router.refresh();
              }}
            >
              {t("revoke")}
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
