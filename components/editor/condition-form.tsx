"use client";
// Forms of «Фильтр» and «Условие»: rows «поле — оператор — значение» in И-groups joined by ИЛИ,
// and an «Условие»'s ordered branches (each with its own groups) plus «Иначе».
import { useTranslations } from "next-intl";
import { CONDITION_OPS, UNARY_OPS, OP_LABELS } from "@/lib/definition/conditions";
import { PlaceholderInput } from "./placeholder-input";
import { useEditorLocale } from "./context";

type Row = { left: string; op: string; right: string; type: string; caseSensitive?: boolean };
type Group = { conditions: Row[] };
type Branch = { key: string; name: string; groups: Group[] };

const emptyRow = (): Row => ({ left: "", op: "eq", right: "", type: "auto", caseSensitive: false });
const selectCls = "rounded-md border border-slate-300 bg-white px-1 py-1 text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const linkCls =
  "rounded px-1.5 py-0.5 text-xs font-medium text-indigo-600 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";

export function ConditionGroups({
  groups,
  onChange,
  stepIndex,
  prefix = "",
}: {
  groups: Group[];
  onChange: (g: Group[]) => void;
  stepIndex: number;
  prefix?: string;
}) {
  const t = useTranslations("editor.conditions");
  const locale = useEditorLocale();
  const list = groups.length > 0 ? groups : [{ conditions: [emptyRow()] }];
  const setRow = (gi: number, ri: number, patch: Partial<Row>) =>
    onChange(list.map((g, n) => (n !== gi ? g : { conditions: g.conditions.map((r, m) => (m === ri ? { ...r, ...patch } : r)) })));
  const removeRow = (gi: number, ri: number) => {
    const next = list.map((g, n) => (n !== gi ? g : { conditions: g.conditions.filter((_, m) => m !== ri) })).filter((g) => g.conditions.length > 0);
    onChange(next.length > 0 ? next : [{ conditions: [emptyRow()] }]);
  };
  return (
    <div className="space-y-2" data-testid={`conditions${prefix}`}>
      {list.map((g, gi) => (
        <div key={gi}>
          {gi > 0 ? <div className="my-1 text-center text-xs font-semibold uppercase text-amber-700">{t("or")}</div> : null}
          <div className="space-y-1.5 rounded-md border border-slate-200 bg-slate-50 p-2" data-testid="condition-group">
            {g.conditions.map((r, ri) => {
              const n = `${prefix}${gi + 1}.${ri + 1}`;
              return (
                <div key={ri} className="space-y-1" data-testid="condition-row">
                  {ri > 0 ? <div className="text-xs font-semibold text-slate-500">{t("and")}</div> : null}
                  <PlaceholderInput
                    compact
                    ariaLabel={`${t("left")} ${n}`}
                    value={r.left}
                    placeholder={t("leftPlaceholder")}
                    onChange={(v) => setRow(gi, ri, { left: v })}
                    stepIndex={stepIndex}
                  />
                  <div className="flex items-center gap-1">
                    <select aria-label={`${t("op")} ${n}`} value={r.op} onChange={(e) => setRow(gi, ri, { op: e.target.value })} className={selectCls}>
                      {CONDITION_OPS.map((o) => (
                        <option key={o} value={o}>
                          {OP_LABELS[o][locale]}
                        </option>
                      ))}
                    </select>
                    <select aria-label={`${t("type")} ${n}`} value={r.type} onChange={(e) => setRow(gi, ri, { type: e.target.value })} className={selectCls}>
                      {["auto", "string", "number", "date"].map((o) => (
                        <option key={o} value={o}>
                          {t(`types.${o}`)}
                        </option>
                      ))}
                    </select>
                    <button
                      type="button"
                      aria-label={`${t("removeRow")} ${n}`}
                      onClick={() => removeRow(gi, ri)}
                      className="ml-auto rounded px-1 text-slate-400 hover:bg-red-50 hover:text-red-600"
                    >
                      ×
                    </button>
                  </div>
                  {UNARY_OPS.has(r.op as never) ? null : (
                    <PlaceholderInput
                      compact
                      ariaLabel={`${t("right")} ${n}`}
                      value={r.right}
                      placeholder={r.op === "in" ? t("listPlaceholder") : t("rightPlaceholder")}
                      onChange={(v) => setRow(gi, ri, { right: v })}
                      stepIndex={stepIndex}
                    />
                  )}
                </div>
              );
            })}
            <button
              type="button"
              className={linkCls}
              onClick={() => onChange(list.map((x, n) => (n === gi ? { conditions: [...x.conditions, emptyRow()] } : x)))}
            >
              + {t("addAnd")}
            </button>
          </div>
        </div>
      ))}
      <button type="button" className={linkCls} onClick={() => onChange([...list, { conditions: [emptyRow()] }])}>
        + {t("addOr")}
      </button>
    </div>
  );
}

export function BranchesEditor({ branches, onChange, stepIndex }: { branches: Branch[]; onChange: (b: Branch[]) => void; stepIndex: number }) {
  const t = useTranslations("editor.conditions");
  const nextKey = () => {
    const taken = new Set(branches.map((b) => b.key));
    for (let i = branches.length + 1; ; i++) if (!taken.has(`b${i}`)) return `b${i}`;
  };
  return (
    <div className="space-y-3" data-testid="branches">
      {branches.map((b, i) => (
        <div key={b.key} className="space-y-1.5 rounded-lg border border-indigo-200 p-2" data-testid="branch" data-branch={b.key}>
          <div className="flex items-center gap-2">
            <span className="text-xs font-semibold text-indigo-700">{t("branchN", { n: i + 1 })}</span>
            <input
              aria-label={`${t("branchName")} ${i + 1}`}
              value={b.name}
              onChange={(e) => onChange(branches.map((x, n) => (n === i ? { ...x, name: e.target.value } : x)))}
              className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            />
            {branches.length > 1 ? (
              <button
                type="button"
                aria-label={`${t("removeBranch")} ${i + 1}`}
                onClick={() => onChange(branches.filter((_, n) => n !== i))}
                className="rounded px-1 text-slate-400 hover:bg-red-50 hover:text-red-600"
              >
                ×
              </button>
            ) : null}
          </div>
          <ConditionGroups
            prefix={`${i + 1}:`}
            groups={b.groups}
            onChange={(groups) => onChange(branches.map((x, n) => (n === i ? { ...x, groups } : x)))}
            stepIndex={stepIndex}
          />
        </div>
      ))}
      <button
        type="button"
        className={linkCls}
        onClick={() =>
          onChange([...branches, { key: nextKey(), name: t("branchDefault", { n: branches.length + 1 }), groups: [{ conditions: [emptyRow()] }] }])
        }
      >
        + {t("addBranch")}
      </button>
    </div>
  );
}
