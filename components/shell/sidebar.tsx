"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { LanguageSwitch } from "./language-switch";

const items = [
  { href: "/pipelines", key: "pipelines", icon: "⇄" },
  { href: "/history", key: "history", icon: "☰" },
  { href: "/store", key: "store", icon: "▤" },
  { href: "/settings", key: "settings", icon: "⚙" },
] as const;

export function Sidebar({ email }: { email: string }) {
  const t = useTranslations("nav");
  const path = usePathname();
  return (
    <aside className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
      <div className="px-5 py-4 text-lg font-semibold tracking-tight text-indigo-700">Hookflow</div>
      <nav className="flex-1 space-y-0.5 px-2" aria-label="main">
        {items.map((it) => {
          const active = path === it.href || path.startsWith(it.href + "/");
          return (
            <Link
              key={it.href}
              href={it.href}
              className={`flex items-center gap-2 rounded-md px-3 py-2 text-sm ${active ? "bg-indigo-50 font-medium text-indigo-700" : "text-slate-600 hover:bg-slate-50"}`}
            >
              <span aria-hidden className="w-4 text-center">
                {it.icon}
              </span>
              {t(it.key)}
            </Link>
          );
        })}
      </nav>
      <div className="space-y-2 border-t border-slate-200 px-5 py-4">
        <div className="truncate text-xs text-slate-500" title={email}>
          {email}
        </div>
        <div className="flex items-center justify-between">
          <button type="button" className="text-sm text-slate-600 hover:text-slate-900" onClick={() => signOut({ callbackUrl: "/login" })}>
            {t("signOut")}
          </button>
          <LanguageSwitch />
        </div>
      </div>
    </aside>
  );
}
