// «по расписанию»: the mark of a run made by a «По расписанию» source (docs/schedule.md).
// The clock is drawn (an emoji would depend on the machine's fonts).
export function ScheduledBadge({ label, title, large = false }: { label: string; title?: string; large?: boolean }) {
  return (
    <span
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded bg-violet-50 text-violet-700 ${large ? "px-2 py-0.5 text-sm" : "px-1.5 text-[11px]"}`}
      data-testid="run-scheduled"
      title={title}
    >
      <svg viewBox="0 0 16 16" aria-hidden="true" className={large ? "h-3.5 w-3.5" : "h-3 w-3"} fill="none" stroke="currentColor" strokeWidth="1.6">
        <circle cx="8" cy="8" r="6.2" />
        <path d="M8 4.6V8l2.4 1.6" strokeLinecap="round" />
      </svg>
      {label}
    </span>
  );
}
