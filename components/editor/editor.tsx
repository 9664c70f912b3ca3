"use client";
import { useEffect, useState } from "react";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { StatusBadge } from "@/components/ui/status-badge";
import { api, ApiCallError } from "@/components/ui/api";
import type { ValidationIssue } from "@/lib/actions/registry";
import { withSources, type PipelineDefinition } from "@/lib/definition/schema";
import { StoreContext, useEditor, useEditorLocale, useStore } from "./context";
import { createStore, definitionJson } from "./store";
import { isDirty, restore, save, setStatus, sourceUrlsOf, testPipeline, type PipelineTestResult, type PipelineView } from "./commands";
import { layout } from "./graph";
import { Canvas } from "./canvas";
import { StepPanel } from "./step-panel";
import { SourcePanel } from "./source-panel";
import { StepResult } from "./result-view";
import { outboundCalls, type OutboundCall } from "./outbound-hosts";
import { diffDefinitions, isEmptyDiff, type DefinitionDiff } from "./version-diff";

export type EditorPipeline = PipelineView;

export function PipelineEditor({
  pipeline,
  credentials,
  initialStep,
}: {
  pipeline: EditorPipeline;
  credentials: { id: string; name: string }[];
  initialStep?: string;
}) {
  const [store] = useState(() => {
    // An old definition's one source is written out (its id is the pipeline's: same URL).
    const def = layout(withSources(pipeline.definition, pipeline.id));
    return createStore({
      pipelineId: pipeline.id,
      name: pipeline.name,
      def,
      // The saved copy is the laid-out one: tidying old positions alone is not an unsaved change.
      savedJson: definitionJson(def),
      version: pipeline.version,
      status: pipeline.status,
      webhookUrl: pipeline.webhookUrl,
      sourceUrls: sourceUrlsOf(pipeline.sources),
      activeSource: def.sources![0].id,
      selected: initialStep && def.steps.some((s) => s.id === initialStep) ? initialStep : def.steps.length === 0 ? "source" : null,
      credentials,
      results: {},
      outputs: {},
      outputConfigs: {},
      sampleRunId: null,
    });
  });
  return (
    <StoreContext.Provider value={store}>
      <EditorShell />
    </StoreContext.Provider>
  );
}

type Side =
  | { kind: "versions" }
  | { kind: "confirmTest"; calls: OutboundCall[] }
  | { kind: "test"; result: PipelineTestResult }
  | { kind: "issues"; issues: ValidationIssue[] }
  | null;

function EditorShell() {
  const t = useTranslations("editor");
  const tp = useTranslations("pipelines");
  const store = useStore();
  const name = useEditor((s) => s.name);
  const pipelineId = useEditor((s) => s.pipelineId);
  const status = useEditor((s) => s.status);
  const version = useEditor((s) => s.version);
  const selected = useEditor((s) => s.selected);
  const dirty = useEditor(isDirty);
  const issueCount = useEditor((s) => s.issues.all.length);
  const locale = useEditorLocale();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [side, setSide] = useState<Side>(null);

  useUnsavedGuard(dirty, t("unsavedConfirm"));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      if (store.get().selected) store.set(() => ({ selected: null }));
      else setSide(null);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store]);

  const act = async (key: string, fn: () => Promise<void>) => {
    setBusy(key);
    setError(null);
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiCallError && e.status === 422 && Array.isArray(e.details) && key === "start") {
        setSide({ kind: "issues", issues: e.details as ValidationIssue[] });
        store.set(() => ({ selected: null }));
      } else setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const start = () =>
    act("start", async () => {
      // Trying to run shows every problem, new steps' included.
      if (store.get().fresh) store.set(() => ({ fresh: undefined }));
      const local = store.get().issues.all;
      if (local.length > 0) {
        setSide({ kind: "issues", issues: local });
        store.set(() => ({ selected: null }));
        return;
      }
      if (isDirty(store.get())) await save(store, locale);
      await setStatus(store, "RUNNING");
    });

  const runTest = () =>
    act("test", async () => {
      const result = await testPipeline(store);
      store.set(() => ({ selected: null }));
      setSide({ kind: "test", result });
    });
  // The test really calls outside systems: name them and ask first (nothing to ask when no step calls out).
  const askTest = () => {
    const calls = outboundCalls(store.get().def);
    if (calls.length === 0) return void runTest();
    store.set(() => ({ selected: null }));
    setSide({ kind: "confirmTest", calls });
  };

  const panel =
    selected === "source" ? (
      <SourcePanel />
    ) : selected ? (
      <StepPanel key={selected} stepId={selected} />
    ) : side ? (
      <SidePanel
        side={side}
        onClose={() => setSide(null)}
        onConfirmTest={() => {
          setSide(null);
          runTest();
        }}
        busy={busy !== null}
      />
    ) : null;

  return (
    <div className="flex h-full flex-col">
      {/* At 1024 px the buttons keep their room: the left column shrinks and the title truncates
          first; status, version and links sit on a line of their own under the title. */}
      <header className="flex min-h-14 items-center gap-3 border-b border-slate-200 bg-white px-5 py-2" data-testid="editor-header">
        <div className="min-w-0 flex-1">
          <div className="flex min-w-0 items-center gap-2">
            <h1 className="min-w-0 truncate text-lg font-semibold" data-testid="pipeline-name" title={name}>
              {name}
            </h1>
            <span className="shrink-0">
              <StatusBadge status={status} label={tp(`status.${status}`)} />
            </span>
          </div>
          <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-0.5 text-xs">
            <span className="shrink-0 text-slate-500" data-testid="pipeline-version">
              {t("versionN", { n: version })}
            </span>
            <span className={`shrink-0 whitespace-nowrap ${dirty ? "text-amber-700" : "hidden"}`} data-testid="unsaved">
              ● {t("unsaved")}
            </span>
            {issueCount > 0 ? (
              <button
                type="button"
                className="shrink-0 rounded text-red-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                onClick={() => {
                  store.set(() => ({ selected: null }));
                  setSide({ kind: "issues", issues: store.get().issues.all });
                }}
              >
                {t("issuesCount", { count: issueCount })}
              </button>
            ) : null}
            <nav className="flex shrink-0 items-center gap-3 whitespace-nowrap">
              <Link
                href={`/history?pipelineId=${pipelineId}`}
                className="text-indigo-700 hover:underline"
                data-testid="link-history"
                title={t("links.historyTitle")}
              >
                {t("links.history")}
              </Link>
              <Link
                href={`/pipelines/${pipelineId}/settings`}
                className="text-indigo-700 hover:underline"
                data-testid="link-settings"
                title={t("links.settingsTitle")}
              >
                {t("links.settings")}
              </Link>
            </nav>
          </div>
        </div>
        <div className="ml-auto flex shrink-0 items-center gap-2">
          <Button onClick={askTest} disabled={busy !== null} data-testid="test-pipeline">
            {busy === "test" ? t("test.running") : t("test.pipeline")}
          </Button>
          <Button
            onClick={() => {
              store.set(() => ({ selected: null }));
              setSide({ kind: "versions" });
            }}
          >
            {t("versions.title")}
          </Button>
          <Button
            variant={dirty ? "primary" : "secondary"}
            onClick={() => act("save", () => save(store, locale))}
            disabled={busy !== null || !dirty}
            data-testid="save"
          >
            {busy === "save" ? t("saving") : tp("save")}
          </Button>
          {status === "RUNNING" ? (
            <Button variant="danger" onClick={() => act("stop", () => setStatus(store, "STOPPED"))} disabled={busy !== null}>
              {tp("stop")}
            </Button>
          ) : (
            <Button variant="primary" onClick={start} disabled={busy !== null} data-testid="start">
              {tp("start")}
            </Button>
          )}
        </div>
      </header>
      {error ? (
        <p role="alert" className="border-b border-red-100 bg-red-50 px-5 py-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <div className="flex min-h-0 flex-1">
        <div className="min-w-0 flex-1 bg-slate-50">
          <Canvas />
        </div>
        {panel ? (
          <aside className="w-[400px] shrink-0 border-l xl:w-[460px] border-slate-200 bg-white" aria-label={t("panel")} data-testid="editor-panel">
            {panel}
          </aside>
        ) : null}
      </div>
    </div>
  );
}

function SidePanel({ side, onClose, onConfirmTest, busy }: { side: NonNullable<Side>; onClose: () => void; onConfirmTest: () => void; busy: boolean }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const steps = useEditor((s) => s.def.steps);
  const title =
    side.kind === "versions"
      ? t("versions.title")
      : side.kind === "test"
        ? t("test.resultTitle")
        : side.kind === "confirmTest"
          ? t("test.confirmTitle")
          : t("issues.title");
  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center border-b border-slate-200 px-4 py-3">
        <h2 className="flex-1 text-sm font-semibold">{title}</h2>
        <Button variant="ghost" className="px-2" aria-label={t("close")} onClick={onClose}>
          ✕
        </Button>
      </div>
      <div className="flex-1 space-y-3 overflow-auto px-4 py-4">
        {side.kind === "versions" ? <Versions /> : null}
        {side.kind === "confirmTest" ? (
          <div data-testid="confirm-test" className="space-y-3 text-sm">
            <p className="text-slate-700">{t("test.confirmIntro")}</p>
            <ul className="space-y-2" data-testid="confirm-test-hosts">
              {side.calls.map((c) => (
                <li key={c.host ?? ""} className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2">
                  <div className="font-mono font-medium text-slate-900" data-testid="confirm-test-host">
                    {c.host ?? t("test.hostFromToken")}
                  </div>
                  <div className="text-xs text-slate-600">{c.steps.map((s) => `${t("stepN", { n: s.index + 1 })} «${s.name}»`).join(", ")}</div>
                </li>
              ))}
            </ul>
            <p className="text-xs text-slate-500">{t("test.confirmNote")}</p>
            <div className="flex gap-2">
              <Button variant="primary" onClick={onConfirmTest} disabled={busy} data-testid="confirm-test-run">
                {t("test.confirmRun")}
              </Button>
              <Button onClick={onClose}>{t("cancel")}</Button>
            </div>
          </div>
        ) : null}
        {side.kind === "issues" ? (
          <div data-testid="issues" className="space-y-2">
            <p className="text-sm text-slate-600">{t("issues.hint")}</p>
            <ul className="list-disc space-y-1 pl-5 text-sm text-red-700">
              {side.issues.map((i, n) => (
                <li key={n}>{i.text[locale]}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {side.kind === "test" ? (
          <div data-testid="pipeline-test" data-status={side.result.status} className="space-y-3">
            <p className={`text-sm ${side.result.status === "succeeded" ? "text-emerald-700" : "text-red-700"}`}>
              {side.result.status === "succeeded" ? t("test.pipelineOk") : locale === "en" ? side.result.error?.messageEn : side.result.error?.message}
            </p>
            {side.result.records.map((r) => {
              const i = steps.findIndex((s) => s.id === r.stepId);
              return <StepResult key={r.stepId} record={r} title={`${t("stepN", { n: i + 1 })} · ${r.name}`} />;
            })}
          </div>
        ) : null}
      </div>
    </div>
  );
}

type VersionRow = { version: number; createdAt: string; createdBy: { email: string; name: string } | null; stepCount: number; current: boolean };
type PendingRestore = { version: number; diff: DefinitionDiff };

function Versions() {
  const t = useTranslations("editor");
  const format = useFormatter();
  const store = useStore();
  const pipelineId = useEditor((s) => s.pipelineId);
  const version = useEditor((s) => s.version);
  const dirty = useEditor(isDirty);
  const [rows, setRows] = useState<VersionRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingRestore | null>(null);
  const [working, setWorking] = useState<number | null>(null);
  useEffect(() => {
    api<{ versions: VersionRow[] }>(`/api/v1/pipelines/${pipelineId}/versions`).then(
      (r) => setRows(r.versions),
      (e) => setError((e as Error).message),
    );
  }, [pipelineId, version]);

  // «Восстановить» first shows what would change against what the editor shows now, then asks.
  const ask = async (v: number) => {
    setError(null);
    setWorking(v);
    try {
      const res = await api<{ version: number; definition: PipelineDefinition }>(`/api/v1/pipelines/${pipelineId}/versions/${v}`);
      setPending({ version: v, diff: diffDefinitions(store.get().def, res.definition) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setWorking(null);
    }
  };
  const confirmRestore = async () => {
    if (!pending) return;
    setWorking(pending.version);
    try {
      await restore(store, pending.version);
      setPending(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setWorking(null);
    }
  };

  if (!rows)
    return error ? (
      <p role="alert" className="text-sm text-red-700">
        {error}
      </p>
    ) : (
      <p className="text-sm text-slate-500">{t("loading")}</p>
    );
  return (
    <div className="space-y-2">
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <ul className="divide-y divide-slate-100" data-testid="versions">
        {rows.map((v) => (
          <li key={v.version} className="py-2 text-sm">
            <div className="flex items-center gap-3">
              <div className="min-w-0 flex-1">
                <div className="font-medium">
                  {t("versionN", { n: v.version })}
                  {v.current ? <span className="ml-2 rounded bg-indigo-50 px-1.5 text-xs text-indigo-700">{t("versions.current")}</span> : null}
                </div>
                <div className="truncate text-xs text-slate-500">
                  {format.dateTime(new Date(v.createdAt), { dateStyle: "medium", timeStyle: "short" })} ·{" "}
                  {v.createdBy ? v.createdBy.name || v.createdBy.email : t("versions.deletedUser")} · {t("versions.steps", { count: v.stepCount })}
                </div>
              </div>
              {v.current ? null : (
                <Button onClick={() => void ask(v.version)} disabled={working !== null || pending?.version === v.version}>
                  {t("versions.restore")}
                </Button>
              )}
            </div>
            {pending?.version === v.version ? (
              <RestoreConfirm
                pending={pending}
                dirty={dirty}
                busy={working !== null}
                onConfirm={() => void confirmRestore()}
                onCancel={() => setPending(null)}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function RestoreConfirm({
  pending,
  dirty,
  busy,
  onConfirm,
  onCancel,
}: {
  pending: PendingRestore;
  dirty: boolean;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const t = useTranslations("editor");
  const { diff } = pending;
  const names = (xs: { name: string }[]) => xs.map((x) => `«${x.name}»`).join(", ");
  const line = (testId: string, label: string, xs: { name: string }[]) =>
    xs.length ? (
      <li data-testid={testId}>
        <span className="font-medium">{label}:</span> {names(xs)}
      </li>
    ) : null;
  return (
    <div className="mt-2 space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3" data-testid="restore-confirm">
      <p className="font-medium text-slate-900">{t("versions.confirmTitle", { n: pending.version })}</p>
      {isEmptyDiff(diff) ? (
        <p className="text-slate-700" data-testid="restore-same">
          {t("versions.noChanges")}
        </p>
      ) : (
        <ul className="space-y-1 text-slate-800">
          {line("restore-added", t("versions.added"), diff.added)}
          {line("restore-removed", t("versions.removed"), diff.removed)}
          {line("restore-changed", t("versions.changed"), diff.changed)}
          {line("restore-moved", t("versions.moved"), diff.moved)}
          {diff.sourceFields ? <li>{t("versions.sourceFields")}</li> : null}
        </ul>
      )}
      <p className="text-xs text-slate-600">{t("versions.confirmNote")}</p>
      {dirty ? <p className="text-xs font-medium text-amber-800">{t("versions.unsavedLost")}</p> : null}
      <div className="flex gap-2">
        <Button variant="primary" onClick={onConfirm} disabled={busy} data-testid="restore-confirm-yes">
          {t("versions.confirm", { n: pending.version })}
        </Button>
        <Button onClick={onCancel}>{t("cancel")}</Button>
      </div>
    </div>
  );
}

/** Warns before leaving with unsaved changes: closing the tab and clicks on in-app links. */
function useUnsavedGuard(dirty: boolean, message: string) {
  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    // Capture phase: runs before Next's <Link> handler, which skips navigation when the default
    // was prevented.
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!a || a.target === "_blank" || e.metaKey || e.ctrlKey || e.shiftKey) return;
      if (new URL(a.href, location.href).pathname === location.pathname) return;
      if (!confirm(message)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", onUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [dirty, message]);
}
