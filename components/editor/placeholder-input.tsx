"use client";
import { useId, useMemo, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { useEditor, useEditorLocale } from "./context";
import { FieldPicker } from "./field-picker";
import { Chip } from "./chip";
import { insertAt, labelContext, tokenSegments } from "./placeholders";

export function useLabelContext() {
  const steps = useEditor((s) => s.def.steps);
  const locale = useEditorLocale();
  return useMemo(() => labelContext({ steps }, locale), [steps, locale]);
}

type Props = {
  value: string;
  onChange: (v: string) => void;
  stepIndex: number;
  label?: string;
  ariaLabel?: string;
  placeholder?: string;
  invalid?: boolean;
  compact?: boolean;
  onBlur?: () => void;
};

/**
 * A text input that shows tokens as chips while it is not being edited; the real text stays in
 * the input underneath (labels, autofill and tests keep working, and the height never changes).
 */
export function PlaceholderInput({ value, onChange, stepIndex, label, ariaLabel, placeholder, invalid, compact, onBlur }: Props) {
  const t = useTranslations("editor");
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const caret = useRef<[number, number]>([value.length, value.length]);
  const [focused, setFocused] = useState(false);
  const [picking, setPicking] = useState(false);
  const ctx = useLabelContext();
  const segments = useMemo(() => tokenSegments(value, ctx), [value, ctx]);
  const hasTokens = segments.some((s) => s.kind === "token");
  const showChips = hasTokens && !focused;

  const pick = (token: string) => {
    const [from, to] = caret.current;
    // The input's own text, not this render's copy: typing may have run ahead of the render.
    const next = insertAt(input.current?.value ?? value, from, to, token);
    onChange(next.text);
    setPicking(false);
    caret.current = [next.caret, next.caret];
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.caret, next.caret);
    });
  };

  return (
    <div className="space-y-1">
      {label ? (
        <label htmlFor={id} className="block text-sm font-medium text-slate-700">
          {label}
        </label>
      ) : null}
      <div className="relative">
        <input
          id={id}
          ref={input}
          value={value}
          aria-label={label ? undefined : ariaLabel}
          aria-invalid={invalid || undefined}
          placeholder={placeholder}
          spellCheck={false}
          onChange={(e) => {
            caret.current = [e.target.selectionStart ?? e.target.value.length, e.target.selectionEnd ?? e.target.value.length];
            onChange(e.target.value);
          }}
          onSelect={(e) => {
            const el = e.currentTarget;
            caret.current = [el.selectionStart ?? value.length, el.selectionEnd ?? value.length];
          }}
          onFocus={() => setFocused(true)}
          onBlur={() => {
            setFocused(false);
            onBlur?.();
          }}
          className={`w-full rounded-md border bg-white pr-9 font-mono shadow-sm focus:outline-none focus:ring-1 ${compact ? "px-2 py-1 text-xs" : "px-3 py-1.5 text-sm"} ${
            invalid ? "border-red-400 focus:border-red-500 focus:ring-red-500" : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500"
          } ${showChips ? "text-transparent" : ""}`}
        />
        {showChips ? (
          <div
            aria-hidden
            className={`pointer-events-none absolute inset-y-0 left-0 right-9 flex items-center gap-0.5 overflow-hidden whitespace-nowrap font-mono ${compact ? "px-2 text-xs" : "px-3 text-sm"}`}
          >
            {segments.map((s, i) =>
              s.kind === "text" ? (
                <span key={i} className="whitespace-pre text-slate-800">
                  {s.text}
                </span>
              ) : (
                <Chip key={i} label={s.label} />
              ),
            )}
          </div>
        ) : null}
        <button
          type="button"
          aria-label={t("picker.open")}
          title={t("picker.open")}
          aria-expanded={picking}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => setPicking((p) => !p)}
          className="absolute inset-y-0 right-0 flex w-8 items-center justify-center rounded-r-md font-mono text-xs text-indigo-600 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        >
          {"{ }"}
        </button>
        {picking ? <FieldPicker stepIndex={stepIndex} onPick={pick} onClose={() => setPicking(false)} /> : null}
      </div>
    </div>
  );
}
