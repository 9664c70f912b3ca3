import { useTranslations } from "next-intl";

// Colour and icon per status: the list is scanned for red at a glance, and the icon keeps the
// meaning for colour-blind users.
const look: Record<string, { cls: string; icon: string; spin?: boolean }> = {
  QUEUED: { cls: "bg-slate-100 text-slate-700 ring-slate-500/20", icon: "◷" },
  RUNNING: { cls: "bg-sky-50 text-sky-700 ring-sky-600/20", icon: "↻", spin: true },
  SUCCEEDED: { cls: "bg-emerald-50 text-emerald-700 ring-emerald-600/20", icon: "✓" },
  FAILED: { cls: "bg-red-50 text-red-700 ring-red-600/20", icon: "✕" },
  REJECTED: { cls: "bg-amber-50 text-amber-800 ring-amber-600/30", icon: "⊘" },
  NOT_PROCESSED: { cls: "bg-violet-50 text-violet-700 ring-violet-600/20", icon: "‖" },
  // Filtered on purpose: neither success green nor failure red.
  FILTERED: { cls: "bg-stone-100 text-stone-600 ring-stone-500/25", icon: "▽" },
  WAITING: { cls: "bg-amber-50 text-amber-700 ring-amber-500/25", icon: "◔" },
  DUPLICATE: { cls: "bg-slate-50 text-slate-600 ring-slate-400/30", icon: "≈" },
  SKIPPED: { cls: "bg-slate-50 text-slate-500 ring-slate-400/20", icon: "»" },
};

export function RunStatusBadge({ status, step = false }: { status: string; step?: boolean }) {
  const t = useTranslations("historyPage");
  const l = look[status] ?? look.QUEUED;
  return (
    <span
      data-testid="run-status"
      data-status={status}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${l.cls}`}
    >
      <span aria-hidden className={l.spin ? "inline-block animate-spin" : undefined}>
        {l.icon}
      </span>
      {t(step ? `stepStatuses.${status}` : `statuses.${status}`)}
    </span>
  );
}
