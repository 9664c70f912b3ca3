"use client";
import { useCallback, useState } from "react";
import { useTranslations } from "next-intl";
import { getAction } from "@/lib/actions/registry";
import { Button } from "@/components/ui/button";
import { useEditor, useEditorLocale, useStore } from "./context";
import { patchStep, patchStepConfig, removeStep, shiftStep, testStep, visibleIssues } from "./commands";
import { StepForm } from "./step-form";
import { StepResult } from "./result-view";
import { ActionIcon } from "./icons";

export function StepPanel({ stepId }: { stepId: string }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const store = useStore();
  const step = useEditor((s) => s.def.steps.find((x) => x.id === stepId));
  const index = useEditor((s) => s.def.steps.findIndex((x) => x.id === stepId));
  const count = useEditor((s) => s.def.steps.length);
  const graph = useEditor((s) => Boolean(s.def.edges));
  const issues = useEditor((s) => visibleIssues(s, stepId, s.issues.byStep.get(stepId)));
  const result = useEditor((s) => s.results[stepId]);
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Applied to the store's current config, not this render's copy (see StepForm).
  const onConfig = useCallback((key: string, update: (old: unknown) => unknown) => patchStepConfig(store, stepId, key, update), [store, stepId]);
  if (!step) return null;
  const action = getAction(step.type);

  const runTest = async () => {
    setTesting(true);
    setError(null);
    try {
      await testStep(store, stepId);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setTesting(false);
    }
  };

  /** «↑» / «↓»: moves the step one place up or down the chain (not in a graph). */
  const shiftButton = (delta: -1 | 1) => {
    const label = t(delta < 0 ? "moveUp" : "moveDown");
    return (
      <Button
        variant="ghost"
        className="px-2"
        aria-label={label}
        title={label}
        disabled={(delta < 0 ? index === 0 : index === count - 1) || graph}
        onClick={() => shiftStep(store, stepId, delta)}
      >
        {delta < 0 ? "↑" : "↓"}
      </Button>
    );
  };

  return (
    <div className="flex h-full flex-col" data-testid="step-panel">
      <div className="flex items-center gap-2 border-b border-slate-200 px-4 py-3">
        <span className="flex h-7 w-7 items-center justify-center rounded-md bg-indigo-50 text-indigo-600">
          <ActionIcon icon={action?.icon ?? "braces"} />
        </span>
        <div className="min-w-0 flex-1">
          <div className="text-xs text-slate-500">
            {t("stepN", { n: index + 1 })} · {action?.label[locale] ?? step.type}
          </div>
          <h2 className="truncate text-sm font-semibold">{step.name || action?.label[locale]}</h2>
        </div>
        {shiftButton(-1)}
        {shiftButton(1)}
        <Button variant="ghost" className="px-2" aria-label={t("close")} title={t("close")} onClick={() => store.set(() => ({ selected: null }))}>
          ✕
        </Button>
      </div>
      <div className="flex-1 space-y-4 overflow-auto px-4 py-4">
        {action ? <p className="text-xs text-slate-500">{action.description[locale]}</p> : null}
        <div className="space-y-1">
          <label htmlFor={`name-${stepId}`} className="block text-sm font-medium text-slate-700">
            {t("stepName")}
          </label>
          <input
            id={`name-${stepId}`}
            value={step.name}
            maxLength={200}
            onChange={(e) => patchStep(store, stepId, { name: e.target.value })}
            className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
          />
        </div>
        <StepForm type={step.type} config={step.config} onChange={onConfig} stepIndex={index} issues={issues} />
        {issues && issues.some((i) => !i.path.startsWith("config.") || i.path === "config") ? (
          <ul className="rounded-md bg-red-50 p-2 text-xs text-red-700">
            {issues
              .filter((i) => !i.path.startsWith("config.") || i.path === "config")
              .map((i, n) => (
                <li key={n}>{i.message[locale]}</li>
              ))}
          </ul>
        ) : null}
        <section className="space-y-2 border-t border-slate-200 pt-4">
          <div className="flex items-center gap-2">
            <Button variant="primary" onClick={runTest} disabled={testing} data-testid="test-step">
              {testing ? t("test.running") : t("test.step")}
            </Button>
            <Button variant="danger" className="ml-auto" onClick={() => removeStep(store, stepId)}>
              {t("deleteStep")}
            </Button>
          </div>
          <p className="text-xs text-amber-700">{t("test.realWarning")}</p>
          {error ? (
            <p role="alert" className="text-sm text-red-700">
              {error}
            </p>
          ) : null}
          {result ? <StepResult record={result.record} /> : null}
        </section>
      </div>
    </div>
  );
}
