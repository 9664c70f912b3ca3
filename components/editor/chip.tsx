import type { TokenLabel } from "./placeholders";

const KIND: Record<TokenLabel["kind"], string> = {
  source: "bg-sky-50 text-sky-800 ring-sky-200",
  step: "bg-violet-50 text-violet-800 ring-violet-200",
  credential: "bg-amber-50 text-amber-800 ring-amber-200",
};

export function chipClass(label: TokenLabel): string {
  return `inline-flex items-center rounded px-1.5 text-xs leading-5 ring-1 ring-inset whitespace-nowrap ${label.broken ? "bg-red-50 text-red-700 ring-red-200" : KIND[label.kind]}`;
}

export function Chip({ label }: { label: TokenLabel }) {
  return (
    <span data-chip className={chipClass(label)}>
      {label.text}
    </span>
  );
}
