"use client";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { useEditor, useEditorLocale } from "./context";
import { filterPickerGroups, pickerGroups } from "./placeholders";

const WIDTH = 320;
const MARGIN = 8;
const SEARCH_HEIGHT = 50;
const LIST_MAX = 288;

type Place = { left: number; top?: number; bottom?: number; listMax: number };

/**
 * Where the picker goes: under its field, or above it when there is more room there; always
 * inside the window (fixed positioning, so no scrolling panel clips it).
 */
export function placePicker(host: { top: number; bottom: number; right: number }, win: { width: number; height: number }): Place {
  const left = Math.max(MARGIN, Math.min(host.right - WIDTH, win.width - WIDTH - MARGIN));
  const below = win.height - host.bottom - MARGIN;
  const above = host.top - MARGIN;
  const list = (room: number) => Math.max(80, Math.min(LIST_MAX, room - SEARCH_HEIGHT - 4));
  if (below >= SEARCH_HEIGHT + LIST_MAX || below >= above) return { left, top: host.bottom + 4, listMax: list(below) };
  return { left, bottom: win.height - host.top + 4, listMax: list(above) };
}

/** The list of what a field may insert: source fields, earlier steps' outputs, credentials. */
export function FieldPicker({ stepIndex, onPick, onClose }: { stepIndex: number; onPick: (token: string) => void; onClose: () => void }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const def = useEditor((s) => s.def);
  const credentials = useEditor((s) => s.credentials);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [place, setPlace] = useState<Place | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const groups = useMemo(() => pickerGroups({ def, stepIndex, credentials, locale }), [def, stepIndex, credentials, locale]);
  const shown = useMemo(() => filterPickerGroups(groups, query), [groups, query]);
  const items = useMemo(() => shown.flatMap((g) => g.items), [shown]);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [onClose]);

  useLayoutEffect(() => {
    const host = ref.current?.parentElement;
    if (!host) return;
    const update = () => setPlace(placePicker(host.getBoundingClientRect(), { width: window.innerWidth, height: window.innerHeight }));
    update();
    // Focus here, not by autoFocus alone: the search box must own the keys (Enter, Escape) at once.
    ref.current?.querySelector("input")?.focus();
    window.addEventListener("resize", update);
    window.addEventListener("scroll", update, true);
    return () => {
      window.removeEventListener("resize", update);
      window.removeEventListener("scroll", update, true);
    };
  }, []);

  useEffect(() => {
    ref.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  let n = 0;
  return (
    <div
      ref={ref}
      role="dialog"
      aria-label={t("picker.title")}
      data-testid="field-picker"
      className="pointer-events-auto fixed z-50 rounded-lg border border-slate-200 bg-white shadow-lg"
      style={{ width: WIDTH, left: place?.left ?? 0, top: place?.top, bottom: place?.bottom, opacity: place ? 1 : 0 }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          if (items.length) setActive((a) => (a + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
        } else if (e.key === "Enter") {
          // Enter inserts the highlighted field (the first match while typing a search).
          e.preventDefault();
          e.stopPropagation();
          const it = items[Math.min(active, items.length - 1)];
          if (it) onPick(it.token);
        }
      }}
    >
      <div className="border-b border-slate-100 p-2">
        <input
          autoFocus
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          placeholder={t("picker.search")}
          aria-label={t("picker.search")}
          aria-activedescendant={items.length ? `picker-item-${active}` : undefined}
          className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
        />
      </div>
      <div className="overflow-auto py-1" style={{ maxHeight: place?.listMax ?? LIST_MAX }}>
        {items.length === 0 ? <p className="px-3 py-2 text-sm text-slate-500">{t("picker.empty")}</p> : null}
        {shown.map((g) =>
          g.items.length === 0 ? null : (
            <div key={g.id} role="group" aria-label={g.title}>
              <div className="px-3 pb-0.5 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-400">{g.title}</div>
              {g.items.map((it) => {
                const i = n++;
                return (
                  <button
                    key={it.token}
                    id={`picker-item-${i}`}
                    type="button"
                    data-token={it.token}
                    data-index={i}
                    data-active={i === active ? "true" : undefined}
                    onClick={() => onPick(it.token)}
                    onMouseEnter={() => setActive(i)}
                    className={`flex w-full items-baseline gap-2 px-3 py-1 text-left text-sm focus:bg-indigo-50 focus:outline-none ${i === active ? "bg-indigo-50" : "hover:bg-indigo-50"}`}
                  >
                    <span className="shrink-0 font-medium text-slate-800">{it.label}</span>
                    {it.example !== undefined ? <span className="truncate text-xs text-slate-500">{it.example}</span> : null}
                  </button>
                );
              })}
            </div>
          ),
        )}
      </div>
    </div>
  );
}
