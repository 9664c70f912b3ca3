"use client";
import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { LOCALE_COOKIE } from "@/i18n/locale";

export function LanguageSwitch({ className = "" }: { className?: string }) {
  const locale = useLocale();
  const t = useTranslations("nav");
  const router = useRouter();
  const next = locale === "ru" ? "en" : "ru";
  return (
    <button
      type="button"
      data-testid="language-switch"
      className={`text-sm text-slate-500 hover:text-slate-800 ${className}`}
      onClick={async () => {
        document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
        await fetch("/api/v1/me", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ locale: next }) }).catch(
          () => undefined,
        );
        router.refresh();
      }}
    >
      {t("language")}
    </button>
  );
}
