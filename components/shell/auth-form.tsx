"use client";
import { useState } from "react";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";
import { LanguageSwitch } from "./language-switch";

export function AuthForm({ mode }: { mode: "login" | "register" }) {
  const t = useTranslations("auth");
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    try {
      if (mode === "register") {
        await api("/api/v1/register", {
          body: { email, password, name: String(form.get("name") ?? ""), locale: document.documentElement.lang === "en" ? "en" : "ru" },
        });
      }
      const res = await signIn("credentials", { email, password, redirect: false });
      if (!res || res.error) {
        const m = /TOO_MANY_ATTEMPTS:(\d+)/.exec(res?.error ?? "");
        setError(m ? t("tooMany", { seconds: m[1] }) : t("invalid"));
        return;
      }
      router.push("/pipelines");
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <div className="text-2xl font-semibold text-indigo-700">Hookflow</div>
        </div>
        <form onSubmit={onSubmit} className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold">{mode === "login" ? t("loginTitle") : t("registerTitle")}</h1>
          {mode === "register" ? (
            <Field label={t("name")}>
              <Input name="name" autoComplete="name" />
            </Field>
          ) : null}
          <Field label={t("email")}>
            <Input name="email" type="email" required autoComplete="email" />
          </Field>
          <Field label={t("password")} hint={mode === "register" ? t("passwordHint") : undefined}>
            <Input
              name="password"
              type="password"
              required
              minLength={mode === "register" ? 10 : 1}
              autoComplete={mode === "login" ? "current-password" : "new-password"}
            />
          </Field>
          {error ? (
            <p role="alert" data-testid="form-error" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
              {error}
            </p>
          ) : null}
          <Button type="submit" variant="primary" className="w-full" disabled={busy}>
            {mode === "login" ? t("signIn") : t("signUp")}
          </Button>
        </form>
        <div className="mt-4 flex items-center justify-between text-sm text-slate-600">
          {mode === "login" ? (
            <span>
              {t("noAccount")}{" "}
              <Link className="text-indigo-700 hover:underline" href="/register">
                {t("register")}
              </Link>
            </span>
          ) : (
            <span>
              {t("haveAccount")}{" "}
              <Link className="text-indigo-700 hover:underline" href="/login">
                {t("login")}
              </Link>
            </span>
          )}
          <LanguageSwitch />
        </div>
      </div>
    </div>
  );
}
