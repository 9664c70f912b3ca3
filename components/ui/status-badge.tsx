const colors: Record<string, string> = {
  RUNNING: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  STOPPED: "bg-slate-100 text-slate-600 ring-slate-500/20",
};

export function StatusBadge({ status, label }: { status: string; label: string }) {
  return (
    <span
      data-status={status}
      className={`inline-flex shrink-0 items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${colors[status] ?? colors.STOPPED}`}
    >
      <span className={`h-1.5 w-1.5 rounded-full ${status === "RUNNING" ? "bg-emerald-500" : "bg-slate-400"}`} />
      {label}
    </span>
  );
}
