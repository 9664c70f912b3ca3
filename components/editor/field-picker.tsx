"use client";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { useEditor, useEditorLocale } from "./context";
import { filterPickerGroups, pickerGroups } from "./tokens";

/** The list of what a field may insert: source fields, earlier steps' outputs, credentials. */
export function FieldPicker({ stepIndex, onPick, onClose }: { stepIndex: number; onPick: (token: string) => void; onClose: () => void }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const def = useEditor((s) => s.def);
  const credentials = useEditor((s) => s.credentials);
  const [query, setQuery] = useState("");
  const ref = useRef<HTMLDivElement>(null);
  const groups = useMemo(() => pickerGroups({ def, stepIndex, credentials, locale }), [def, stepIndex, credentials, locale]);
  const shown = useMemo(() => filterPickerGroups(groups, query), [groups, query]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [onClose]);

  return (
    <div
      ref={ref}
      role="dialog"
      aria-label={t("picker.title")}
      data-testid="field-picker"
      className="absolute right-0 z-30 mt-1 w-80 rounded-lg border border-slate-200 bg-white shadow-lg"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="border-b border-slate-100 p-2">
        <input
          autoFocus
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={t("picker.search")}
          aria-label={t("picker.search")}
          className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
        />
      </div>
      <div className="max-h-72 overflow-auto py-1">
        {shown.every((g) => g.items.length === 0) ? <p className="px-3 py-2 text-sm text-slate-500">{t("picker.empty")}</p> : null}
        {shown.map((g) =>
          g.items.length === 0 ? null : (
            <div key={g.id} role="group" aria-label={g.title}>
              <div className="px-3 pb-0.5 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-400">{g.title}</div>
              {g.items.map((it) => (
                <button
                  key={it.token}
                  type="button"
                  data-token={it.token}
                  onClick={() => onPick(it.token)}
                  className="flex w-full items-baseline gap-2 px-3 py-1 text-left text-sm hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none"
                >
                  <span className="shrink-0 font-medium text-slate-800">{it.label}</span>
                  {it.example !== undefined ? <span className="truncate text-xs text-slate-500">{it.example}</span> : null}
                </button>
              ))}
            </div>
          ),
        )}
      </div>
    </div>
  );
}
