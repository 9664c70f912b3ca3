"use client";
import { useId, useMemo } from "react";
import { useTranslations } from "next-intl";
import type { ValidationIssue } from "@/lib/actions/registry";
import { getAction } from "@/lib/actions/registry";
import type { FieldHint } from "@/lib/actions/define-action";
import { JsonEditor } from "./json-editor";
import { PlaceholderInput } from "./placeholder-input";
import { emptyRow, schemaFields, type FieldKind } from "./schema";
import { issuesForField } from "./validation";
import { useEditorLocale } from "./context";
import { BranchesEditor, ConditionGroups } from "./condition-form";

type Config = Record<string, unknown>;
type Row = Record<string, string>;
/** A field's new value, or a function of its current value in the store (never of a render's copy). */
type Update<T = unknown> = T | ((old: T) => T);

const inputCls =
  "w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

// Edits reach the store as per-field updates applied to the store's current config: a render's
// `config` may already be stale when a change arrives (CodeMirror reports changes outside React's
// events; on a busy machine several can arrive before the next render), and merging into a stale
// copy would silently undo an edit made just before (issue 13, the flaky editor spec).
export function StepForm({
  type,
  config,
  onChange,
  stepIndex,
  issues,
}: {
  type: string;
  config: Config;
  onChange: (key: string, update: (old: unknown) => unknown) => void;
  stepIndex: number;
  issues?: ValidationIssue[];
}) {
  const action = getAction(type);
  const fields = useMemo(() => (action ? schemaFields(action.configSchema) : []), [action]);
  const hints = action?.form ?? {};
  const set = (key: string, value: Update) => onChange(key, typeof value === "function" ? (value as (old: unknown) => unknown) : () => value);
  return (
    <div className="space-y-4">
      {fields.map(({ key, field }) => {
        const hint = hints[key] ?? {};
        if (hint.widget === "hidden" || (hint.when && !hint.when(config))) return null;
        return (
          <FieldRow
            key={key}
            name={key}
            field={field}
            hint={hint}
            value={config[key]}
            onChange={(v) => set(key, v)}
            stepIndex={stepIndex}
            issues={issuesForField(issues, key)}
          />
        );
      })}
    </div>
  );
}

function FieldRow(props: {
  name: string;
  field: FieldKind;
  hint: FieldHint;
  value: unknown;
  onChange: (v: Update) => void;
  stepIndex: number;
  issues: ValidationIssue[];
}) {
  const { name, field, hint, value, onChange, stepIndex, issues } = props;
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const id = useId();
  const label = t.has(`fields.${name}`) ? t(`fields.${name}`) : name;
  const invalid = issues.length > 0;
  const errors = invalid ? (
    <ul className="text-xs text-red-700" data-testid="field-error">
      {/* The field's own label is above; a row inside it is named as people read it («Заголовки», строка 1, ключ). */}
      {issues.map((i, n) => (
        <li key={n}>{i.path === `config.${name}` ? i.message[locale] : `${i.label?.[locale] ?? i.path}: ${i.message[locale]}`}</li>
      ))}
    </ul>
  ) : null;
  const option = (v: string) => (t.has(`options.${name}.${v}`) ? t(`options.${name}.${v}`) : v);

  let control: React.ReactNode;
  if (hint.widget === "conditions" || hint.widget === "branches") {
    return (
      <div data-field={name} className="space-y-1">
        <span className="block text-sm font-medium text-slate-700">{label}</span>
        {hint.widget === "conditions" ? (
          <ConditionGroups groups={(value as never[]) ?? []} onChange={onChange} stepIndex={stepIndex} />
        ) : (
          <BranchesEditor branches={(value as never[]) ?? []} onChange={onChange} stepIndex={stepIndex} />
        )}
        {errors}
      </div>
    );
  }
  if (hint.widget === "json") {
    return (
      <div data-field={name}>
        <JsonEditor label={label} value={String(value ?? "")} onChange={onChange} stepIndex={stepIndex} invalid={invalid} />
        {errors}
      </div>
    );
  }
  if (field.kind === "rows") {
    return (
      <div data-field={name} className="space-y-1">
        <span className="block text-sm font-medium text-slate-700">{label}</span>
        <RowsTable
          name={name}
          columns={field.columns}
          hint={hint}
          rows={(value as Row[] | undefined) ?? []}
          onChange={(u) => onChange(typeof u === "function" ? (old: unknown) => u((old as Row[] | undefined) ?? []) : u)}
          stepIndex={stepIndex}
        />
        {errors}
      </div>
    );
  }
  if (field.kind === "boolean") {
    return (
      <div data-field={name}>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={Boolean(value)}
            onChange={(e) => onChange(e.target.checked)}
            className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500"
          />
          {label}
        </label>
        {errors}
      </div>
    );
  }
  if (field.kind === "string" && hint.widget !== "text") {
    return (
      <div data-field={name}>
        <PlaceholderInput label={label} value={String(value ?? "")} onChange={onChange} stepIndex={stepIndex} invalid={invalid} />
        {errors}
      </div>
    );
  }
  if (field.kind === "enum") {
    control = (
      <select id={id} value={String(value ?? field.options[0])} onChange={(e) => onChange(e.target.value)} className={inputCls}>
        {field.options.map((o) => (
          <option key={o} value={o}>
            {option(o)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "number") {
    control = (
      <input
        id={id}
        type="number"
        min={field.min}
        max={field.max}
        step={field.int ? 1 : "any"}
        value={value === undefined || value === null ? "" : String(value)}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        className={`${inputCls} w-32`}
      />
    );
  } else {
    control = <input id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} className={inputCls} />;
  }
  return (
    <div data-field={name} className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {control}
      {errors}
    </div>
  );
}

function RowsTable(props: {
  name: string;
  columns: { key: string; kind: "string" | "enum"; options?: string[]; optional: boolean }[];
  hint: FieldHint;
  rows: Row[];
  onChange: (rows: Update<Row[]>) => void;
  stepIndex: number;
}) {
  const { name, columns, hint, rows, onChange, stepIndex } = props;
  const t = useTranslations("editor");
  const shown = columns.filter((c) => !hint.hiddenColumns?.includes(c.key));
  const colLabel = (key: string) => (t.has(`columns.${name}.${key}`) ? t(`columns.${name}.${key}`) : t.has(`columns.${key}`) ? t(`columns.${key}`) : key);
  const setCell = (i: number, key: string, v: string) => onChange((old) => old.map((r, n) => (n === i ? { ...r, [key]: v } : r)));
  // A row whose name was just set may be completed by the action (the parser fixes its output key).
  const fixKey = (i: number) => {
    const complete = hint.completeRow;
    if (complete) onChange((old) => complete(old, i) as Row[]);
  };
  return (
    <div className="space-y-1" data-testid={`rows-${name}`}>
      {rows.length > 0 ? (
        <div className="grid gap-1" style={{ gridTemplateColumns: `${shown.map((c) => (c.kind === "enum" ? "6.5rem" : "minmax(0,1fr)")).join(" ")} 1.75rem` }}>
          {shown.map((c) => (
            <span key={c.key} className="text-xs font-medium text-slate-500">
              {colLabel(c.key)}
            </span>
          ))}
          <span />
          {rows.map((row, i) => (
            <RowCells
              key={i}
              i={i}
              row={row}
              shown={shown}
              hint={hint}
              name={name}
              colLabel={colLabel}
              setCell={setCell}
              fixKey={fixKey}
              stepIndex={stepIndex}
              remove={() => onChange((old) => old.filter((_, n) => n !== i))}
            />
          ))}
        </div>
      ) : null}
      <button
        type="button"
        onClick={() => onChange((old) => [...old, emptyRow(columns)])}
        className="rounded px-1.5 py-0.5 text-xs font-medium text-indigo-600 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        + {t(`add.${name}`)}
      </button>
    </div>
  );
}

function RowCells(props: {
  i: number;
  row: Row;
  shown: { key: string; kind: "string" | "enum"; options?: string[] }[];
  hint: FieldHint;
  name: string;
  colLabel: (k: string) => string;
  setCell: (i: number, key: string, v: string) => void;
  fixKey: (i: number) => void;
  stepIndex: number;
  remove: () => void;
}) {
  const { i, row, shown, hint, name, colLabel, setCell, fixKey, stepIndex, remove } = props;
  const t = useTranslations("editor");
  return (
    <>
      {shown.map((c) => {
        const aria = `${colLabel(c.key)} ${i + 1}`;
        const v = row[c.key] ?? "";
        if (c.kind === "enum")
          return (
            <select
              key={c.key}
              aria-label={aria}
              value={v}
              onChange={(e) => setCell(i, c.key, e.target.value)}
              className="rounded-md border border-slate-300 bg-white px-1 py-1 text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            >
              {c.options?.map((o) => (
                <option key={o} value={o}>
                  {t.has(`options.${c.key}.${o}`) ? t(`options.${c.key}.${o}`) : o}
                </option>
              ))}
            </select>
          );
        if (hint.plainColumns?.includes(c.key))
          return (
            <input
              key={c.key}
              aria-label={aria}
              value={v}
              spellCheck={false}
              onChange={(e) => setCell(i, c.key, e.target.value)}
              onBlur={() => c.key === "name" && fixKey(i)}
              className="min-w-0 rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            />
          );
        return <PlaceholderInput key={c.key} compact ariaLabel={aria} value={v} onChange={(x) => setCell(i, c.key, x)} stepIndex={stepIndex} />;
      })}
      <button
        type="button"
        aria-label={`${t("removeRow")} ${i + 1} (${name})`}
        onClick={remove}
        className="rounded text-slate-400 hover:bg-red-50 hover:text-red-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        ×
      </button>
    </>
  );
}
