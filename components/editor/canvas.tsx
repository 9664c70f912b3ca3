"use client";
import "@xyflow/react/dist/style.css";
import { createContext, memo, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import {
  Background,
  BaseEdge,
  ControlButton,
  Controls,
  EdgeLabelRenderer,
  Handle,
  Position,
  ReactFlow,
  applyNodeChanges,
  getSmoothStepPath,
  getStraightPath,
  useReactFlow,
  useStore as useFlowStore,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import { getAction, listActions } from "@/lib/actions/registry";
import { useEditor, useEditorLocale, useStore } from "./context";
import { addStep, linkSteps, placeStep, removeStep, shiftStep, visibleIssues } from "./commands";
import {
  branchesOf,
  graphBounds,
  indexForDrop,
  NODE_HEIGHT,
  NODE_WIDTH,
  panToShow,
  readableViewport,
  ROW_GAP,
  SOURCE_POSITION,
  stepBox,
  stepPosition,
  VIEW_PADDING,
  type Box,
  type InsertPoint,
} from "./graph";
import { allSourceFields, edgesOf, SOURCE_NODE } from "@/lib/definition/schema";
import { ActionIcon } from "./icons";
import { describeSchedule, scheduleProblems } from "@/lib/definition/schedule";
import { readableSummary } from "./placeholders";

type StepNodeT = Node<{ stepId: string }, "step">;
type SourceNodeT = Node<Record<string, never>, "source">;
type AddNodeT = Node<{ point: InsertPoint; label?: string }, "add">;
type InsertEdgeT = Edge<{ point?: InsertPoint; n?: number; label?: string }, "insert">;

const Commands = createContext<{ openPalette: (at: InsertPoint) => void }>({ openPalette: () => {} });

function summaryOf(type: string, config: Record<string, unknown>): string {
  const action = getAction(type);
  if (!action) return "";
  const parsed = action.configSchema.safeParse(config);
  try {
    return action.summary(parsed.success ? parsed.data : ({ ...(action.defaultConfig as object), ...config } as never));
  } catch {
    return "";
  }
}

const StepNode = memo(function StepNode({ data, selected }: NodeProps<StepNodeT>) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const store = useStore();
  const step = useEditor((s) => s.def.steps.find((x) => x.id === data.stepId));
  const index = useEditor((s) => s.def.steps.findIndex((x) => x.id === data.stepId));
  const count = useEditor((s) => s.def.steps.length);
  const graph = useEditor((s) => Boolean(s.def.edges));
  const branchKey = useEditor((s) => {
    const st = s.def.steps.find((x) => x.id === data.stepId);
    const b = st ? branchesOf(st, locale) : null;
    return b ? JSON.stringify(b) : "";
  });
  const branches = useMemo(() => (branchKey ? (JSON.parse(branchKey) as { key: string; label: string }[]) : null), [branchKey]);
  const issues = useEditor((s) => visibleIssues(s, data.stepId, s.issues.byStep.get(data.stepId)));
  const result = useEditor((s) => s.results[data.stepId]);
  const rawSummary = useMemo(() => (step ? summaryOf(step.type, step.config) : ""), [step]);
  const summary = useEditor((s) => readableSummary(rawSummary, s.def.steps, locale));
  if (!step) return null;
  const action = getAction(step.type);
  const problem = issues && issues.length > 0 ? issues.map((i) => i.text[locale]).join("\n") : null;
  return (
    <div
      data-testid="step-node"
      data-step-id={step.id}
      data-invalid={problem ? "true" : undefined}
      className={`group relative h-[96px] rounded-lg border bg-white px-3 py-2 shadow-sm transition-shadow ${
        selected ? "border-indigo-500 ring-2 ring-indigo-200" : problem ? "border-red-300" : "border-slate-200 hover:border-slate-300"
      }`}
      style={{ width: NODE_WIDTH }}
    >
      <Handle type="target" position={Position.Top} isConnectable className="!h-2.5 !w-2.5 !border-0 !bg-slate-300" />
      <div className="flex items-center gap-2">
        <span className="flex h-6 w-6 shrink-0 items-center justify-center rounded bg-indigo-50 text-indigo-600">
          <ActionIcon icon={action?.icon ?? "braces"} className="h-3.5 w-3.5" />
        </span>
        <span className="min-w-0 flex-1 truncate text-sm font-medium text-slate-900">{step.name || action?.label[locale] || step.type}</span>
        <span className="text-xs text-slate-400">{index + 1}</span>
        {result ? (
          <span
            data-testid="node-result"
            data-status={result.record.status}
            title={result.record.status === "succeeded" ? t("test.ok") : t("test.failed")}
            className={`h-2.5 w-2.5 rounded-full ${result.record.status === "succeeded" ? "bg-emerald-500" : "bg-red-500"}`}
          />
        ) : null}
      </div>
      <div className="mt-1 truncate font-mono text-xs text-slate-500" title={summary}>
        {summary || "—"}
      </div>
      {problem ? (
        <div className="mt-1 flex items-center gap-1 truncate text-xs text-red-700" title={problem} data-testid="node-error">
          <span aria-hidden className="rounded bg-red-100 px-1 font-semibold">
            !
          </span>
          <span className="truncate">
            {issues![0].message[locale]}
            {issues!.length > 1 ? ` (+${issues!.length - 1})` : ""}
          </span>
        </div>
      ) : result ? (
        <div
          className="mt-1 truncate font-mono text-xs text-slate-600"
          data-testid="node-output"
          title={JSON.stringify(result.record.output ?? result.record.error)}
        >
          →{" "}
          {result.record.status === "succeeded"
            ? JSON.stringify(result.record.output)
            : locale === "en"
              ? result.record.error?.messageEn
              : result.record.error?.message}
        </div>
      ) : (
        <div className="mt-1 text-xs text-slate-400">{action?.label[locale]}</div>
      )}
      <div className="absolute -right-10 top-0 flex flex-col gap-0.5 opacity-0 transition-opacity focus-within:opacity-100 group-hover:opacity-100">
        {graph ? null : (
          <>
            <button
              type="button"
              className="nodrag h-7 w-7 rounded border border-slate-200 bg-white text-xs text-slate-600 hover:bg-slate-50 disabled:opacity-40"
              aria-label={t("moveUp")}
              title={t("moveUp")}
              disabled={index === 0}
              onClick={(e) => {
                e.stopPropagation();
                shiftStep(store, step.id, -1);
              }}
            >
              ↑
            </button>
            <button
              type="button"
              className="nodrag h-7 w-7 rounded border border-slate-200 bg-white text-xs text-slate-600 hover:bg-slate-50 disabled:opacity-40"
              aria-label={t("moveDown")}
              title={t("moveDown")}
              disabled={index === count - 1}
              onClick={(e) => {
                e.stopPropagation();
                shiftStep(store, step.id, 1);
              }}
            >
              ↓
            </button>
          </>
        )}
        <button
          type="button"
          className="nodrag h-7 w-7 rounded border border-slate-200 bg-white text-xs text-red-600 hover:bg-red-50"
          aria-label={t("deleteStep")}
          title={t("deleteStep")}
          onClick={(e) => {
            e.stopPropagation();
            removeStep(store, step.id);
          }}
        >
          ✕
        </button>
      </div>
      {branches ? (
        // One handle per branch (drag one onto a step to join it there), labelled under the node.
        branches.map((b, i) => {
          const left = `${((i + 0.5) / branches.length) * 100}%`;
          return (
            <Handle
              key={b.key}
              id={b.key}
              type="source"
              position={Position.Bottom}
              isConnectable
              data-testid="branch-handle"
              data-branch={b.key}
              style={{ left }}
              className="!h-3 !w-3 !border-2 !border-white !bg-indigo-500"
              title={b.label}
            />
          );
        })
      ) : (
        <Handle type="source" position={Position.Bottom} isConnectable className="!h-2.5 !w-2.5 !border-0 !bg-slate-300" />
      )}
    </div>
  );
});

const SourceNode = memo(function SourceNode({ selected }: NodeProps<SourceNodeT>) {
  const t = useTranslations("editor");
  const count = useEditor((s) => allSourceFields(s.def).length);
  const names = useEditor((s) => (s.def.sources ?? []).map((x) => x.name).join(", "));
  const several = useEditor((s) => (s.def.sources?.length ?? 1) > 1);
  // One «По расписанию» source: the node says so and when it runs.
  const only = useEditor((s) => (s.def.sources?.length === 1 ? s.def.sources[0] : null));
  const locale = useEditorLocale();
  const schedule = only?.type === "schedule" ? only.schedule : undefined;
  const scheduleText = schedule && scheduleProblems(schedule).length === 0 ? describeSchedule(schedule, locale) : null;
  return (
    <div
      data-testid="source-node"
      className={`h-[96px] rounded-lg border bg-white px-3 py-2 shadow-sm ${selected ? "border-indigo-500 ring-2 ring-indigo-200" : "border-slate-200 hover:border-slate-300"}`}
      style={{ width: NODE_WIDTH }}
    >
      <div className="flex items-center gap-2">
        <span className="flex h-6 w-6 items-center justify-center rounded bg-emerald-50 text-emerald-600">
          <ActionIcon icon="webhook" className="h-3.5 w-3.5" />
        </span>
        <span className="text-sm font-medium text-slate-900">
          {several ? t("sources.title") : only?.type === "schedule" ? t("sources.types.schedule") : t("source.title")}
        </span>
      </div>
      <div className="mt-1 truncate text-xs text-slate-500" title={names} data-testid="source-node-names">
        {several ? names : only?.type === "schedule" ? (scheduleText ?? t("schedule.notSet")) : t("source.nodeHint")}
      </div>
      <div className={`mt-1 text-xs ${count ? "text-slate-600" : "text-amber-700"}`}>{count ? t("source.fields", { count }) : t("source.noFieldsShort")}</div>
      <Handle type="source" position={Position.Bottom} isConnectable className="!h-2.5 !w-2.5 !border-0 !bg-slate-300" />
    </div>
  );
});

const AddNode = memo(function AddNode({ data }: NodeProps<AddNodeT>) {
  const t = useTranslations("editor");
  const { openPalette } = useContext(Commands);
  return (
    <div style={{ width: NODE_WIDTH }} className="flex justify-center">
      <Handle type="target" position={Position.Top} isConnectable={false} className="!h-2 !w-2 !border-0 !bg-slate-300" />
      <button
        type="button"
        data-testid="add-step-end"
        data-from={data.point.from}
        data-branch={data.point.branch ?? ""}
        onClick={() => openPalette(data.point)}
        className="nodrag rounded-full border border-dashed border-indigo-300 bg-white px-4 py-1.5 text-sm font-medium text-indigo-600 shadow-sm hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        + {t("addStep")}
      </button>
    </div>
  );
});

function InsertEdge({ id, sourceX, sourceY, targetX, targetY, data, markerEnd, style }: EdgeProps<InsertEdgeT>) {
  const t = useTranslations("editor");
  const { openPalette } = useContext(Commands);
  const straight = Math.abs(sourceX - targetX) < 1;
  const [path, x, y] = straight
    ? getStraightPath({ sourceX, sourceY, targetX, targetY })
    : getSmoothStepPath({ sourceX, sourceY, targetX, targetY, borderRadius: 12 });
  const title = data?.n !== undefined ? t("insertHere", { n: data.n }) : t("addStep");
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ stroke: "#cbd5e1", strokeWidth: 1.5, ...style }} />
      {data?.label ? (
        <EdgeLabelRenderer>
          <span
            data-testid="edge-label"
            style={{ transform: `translate(-50%, 0) translate(${sourceX}px, ${sourceY + 6}px)` }}
            className="nodrag nopan absolute max-w-[140px] truncate rounded bg-indigo-50 px-1.5 py-0.5 text-[11px] font-medium text-indigo-700 ring-1 ring-indigo-200"
          >
            {data.label}
          </span>
        </EdgeLabelRenderer>
      ) : null}
      {data?.point ? (
        <EdgeLabelRenderer>
          <button
            type="button"
            data-testid="insert-step"
            aria-label={title}
            title={title}
            onClick={() => openPalette(data.point!)}
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y + (data.label ? 10 : 0)}px)`, pointerEvents: "all" }}
            className="nodrag nopan absolute flex h-6 w-6 items-center justify-center rounded-full border border-slate-300 bg-white text-sm leading-none text-slate-500 shadow-sm hover:border-indigo-400 hover:text-indigo-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
          >
            +
          </button>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

// Module level, so React Flow does not re-create node components on every render.
const nodeTypes = { step: StepNode, source: SourceNode, add: AddNode };
const edgeTypes = { insert: InsertEdge };

function Palette({ at, onClose }: { at: InsertPoint; onClose: () => void }) {
  const t = useTranslations("editor");
  const locale = useEditorLocale();
  const store = useStore();
  const index = useEditor((s) => {
    const i = at.to ? s.def.steps.findIndex((x) => x.id === at.to) : at.from === SOURCE_NODE ? 0 : s.def.steps.findIndex((x) => x.id === at.from) + 1;
    return i < 0 ? s.def.steps.length : i;
  });
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <div className="absolute inset-0 z-20 flex items-start justify-center bg-slate-900/10 pt-24" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        role="dialog"
        aria-label={t("palette.title")}
        data-testid="palette"
        className="w-96 rounded-xl border border-slate-200 bg-white p-2 shadow-xl"
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <div className="px-2 pb-2 pt-1 text-sm font-semibold">
          {t("palette.title")} <span className="font-normal text-slate-500">· {t("palette.position", { n: index + 1 })}</span>
        </div>
        {listActions().map((a, i) => (
          <button
            key={a.type}
            ref={i === 0 ? first : undefined}
            type="button"
            data-action-type={a.type}
            onClick={() => {
              addStep(store, at, a.type, locale);
              onClose();
            }}
            className="flex w-full items-start gap-3 rounded-lg px-2 py-2 text-left hover:bg-indigo-50 focus:bg-indigo-50 focus:outline-none"
          >
            <span className="mt-0.5 flex h-7 w-7 shrink-0 items-center justify-center rounded-md bg-indigo-50 text-indigo-600">
              <ActionIcon icon={a.icon} />
            </span>
            <span>
              <span className="block text-sm font-medium text-slate-900">{a.label[locale]}</span>
              <span className="block text-xs text-slate-500">{a.description[locale]}</span>
            </span>
          </button>
        ))}
      </div>
    </div>
  );
}

/**
 * The canvas keeps what matters in view by panning, never by shrinking text: a readable «Показать
 * всё» on open (zoom ≥ MIN_READABLE_ZOOM, a long chain starts at the top and the wheel scrolls
 * it), and the selected step — with «+ Добавить шаг» under the last one — moved into view when it
 * is added, selected or the side panel narrows the canvas. (React Flow undoes the browser's own
 * scrolling of its container, so an off-screen node cannot be scrolled to any other way.)
 */
function ViewKeeper() {
  const t = useTranslations("editor");
  const rf = useReactFlow();
  const width = useFlowStore((s) => s.width);
  const height = useFlowStore((s) => s.height);
  const stepCount = useEditor((s) => s.def.steps.length);
  const index = useEditor((s) => (s.selected === "source" ? -1 : s.selected ? s.def.steps.findIndex((x) => x.id === s.selected) : -2));
  const fitted = useRef(false);
  // A branched graph spreads sideways: its bounds come from the nodes themselves.
  const branched = useEditor((s) => Boolean(s.def.edges));
  const selectedId = useEditor((s) => s.selected);
  const bounds = useCallback((): Box => {
    const nodes = rf.getNodes();
    return branched && nodes.length > 0 ? rf.getNodesBounds(nodes) : graphBounds(stepCount);
  }, [rf, branched, stepCount]);
  const fitAll = useCallback(() => {
    void rf.setViewport(readableViewport(bounds(), width, height));
  }, [rf, bounds, width, height]);

  useEffect(() => {
    if (!width || !height || fitted.current) return;
    fitted.current = true;
    fitAll();
  }, [width, height, fitAll]);

  // The side panel narrows the canvas: keep the column of steps in view (horizontally only).
  useEffect(() => {
    if (!width || !height || !fitted.current) return;
    const view = rf.getViewport();
    const column = graphBounds(0);
    const next = panToShow(view, { x: column.x, y: (VIEW_PADDING - view.y) / view.zoom, width: column.width, height: 1 }, width, height);
    if (next !== view) void rf.setViewport(next);
  }, [rf, width, height]);

  useEffect(() => {
    if (!width || !height || !fitted.current || index < -1) return;
    const view = rf.getViewport();
    const node = branched && selectedId ? rf.getNode(selectedId) : undefined;
    const box: Box = node
      ? { x: node.position.x, y: node.position.y, width: node.measured?.width ?? NODE_WIDTH, height: node.measured?.height ?? NODE_HEIGHT }
      : stepBox(index, stepCount, index === stepCount - 1);
    const next = panToShow(view, box, width, height);
    if (next !== view) void rf.setViewport(next);
  }, [rf, index, stepCount, width, height, branched, selectedId]);

  return (
    <Controls showInteractive={false} showFitView={false} position="bottom-left">
      <ControlButton onClick={fitAll} aria-label={t("canvas.fitView")} title={t("canvas.fitView")} data-testid="fit-view">
        <svg viewBox="0 0 32 30" aria-hidden>
          <path d="M3.692 4.63c0-.53.4-.938.939-.938h5.215V0H4.708C2.13 0 0 2.054 0 4.63v5.216h3.692V4.631zM27.354 0h-5.2v3.692h5.17c.53 0 .984.4.984.939v5.215H32V4.631A4.624 4.624 0 0027.354 0zm.954 24.83c0 .532-.4.94-.939.94h-5.215v3.768h5.215c2.577 0 4.631-2.13 4.631-4.707v-5.139h-3.692v5.139zm-23.677.94c-.531 0-.939-.4-.939-.94v-5.138H0v5.139c0 2.577 2.13 4.707 4.708 4.707h5.138V25.77H4.631z" />
        </svg>
      </ControlButton>
    </Controls>
  );
}

export function Canvas() {
  const t = useTranslations("editor");
  const store = useStore();
  const selected = useEditor((s) => s.selected);
  // Ids, positions, edges and branch names shape the graph; editing other config must not rebuild it.
  const shapeKey = useEditor((s) =>
    JSON.stringify([s.def.steps.map((x) => [x.id, x.position?.x ?? 0, x.position?.y ?? 0, branchesOf(x, "ru")]), s.def.edges ?? null]),
  );
  const locale = useEditorLocale();
  const [palette, setPalette] = useState<InsertPoint | null>(null);
  const [tick, setTick] = useState(0);

  const built = useMemo(() => {
    const def = store.get().def;
    const graph = Boolean(def.edges);
    const pos = (i: number) => def.steps[i].position ?? stepPosition(i);
    const nodes: Node[] = [
      { id: "source", type: "source", position: { ...SOURCE_POSITION }, data: {}, deletable: false, selected: selected === "source" } satisfies SourceNodeT,
      ...def.steps.map((st, i): StepNodeT => ({
        id: st.id,
        type: "step",
        position: pos(i),
        data: { stepId: st.id },
        selected: selected === st.id,
        draggable: !graph,
      })),
    ];
    const edges: Edge[] = [];
    const index = new Map(def.steps.map((st, i) => [st.id, i]));
    const labelOf = (from: string, branch?: string) => {
      const i = index.get(from);
      return branch && i !== undefined ? branchesOf(def.steps[i], locale)?.find((b) => b.key === branch)?.label : undefined;
    };
    const all = edgesOf(def);
    for (const e of all) {
      const point: InsertPoint = { from: e.from, to: e.to, ...(e.branch ? { branch: e.branch } : {}) };
      edges.push({
        id: `e-${e.from}-${e.branch ?? ""}-${e.to}`,
        source: e.from,
        target: e.to,
        ...(e.branch ? { sourceHandle: e.branch } : {}),
        type: "insert",
        data: { point, n: (index.get(e.to) ?? 0) + 1, label: labelOf(e.from, e.branch) },
        deletable: false,
      } satisfies InsertEdgeT);
    }
    // Open ends: a step (or a branch of an «Условие») with nothing after it gets a «+ шаг» below.
    const open: { from: string; branch?: string; x: number; y: number }[] = [];
    const used = new Set(all.map((e) => `${e.from}\u0000${e.branch ?? ""}`));
    if (def.steps.length === 0) open.push({ from: SOURCE_NODE, x: 0, y: stepPosition(0).y + 10 });
    def.steps.forEach((st, i) => {
      const p = pos(i);
      const branches = branchesOf(st, locale);
      if (branches) {
        branches.forEach((b, k) => {
          if (!used.has(`${st.id}\u0000${b.key}`)) open.push({ from: st.id, branch: b.key, x: p.x + k * (NODE_WIDTH + 80), y: p.y + ROW_GAP + 10 });
        });
      } else if (!used.has(`${st.id}\u0000`)) {
        open.push({ from: st.id, x: p.x, y: p.y + ROW_GAP + 10 });
      }
    });
    const taken = new Set(nodes.map((n) => `${n.position.x}:${n.position.y}`));
    for (const o of open) {
      let x = o.x;
      while (taken.has(`${x}:${o.y - 10}`) || taken.has(`${x}:${o.y}`)) x += NODE_WIDTH + 80;
      taken.add(`${x}:${o.y}`);
      const id = `add-${o.from}-${o.branch ?? ""}`;
      const point: InsertPoint = { from: o.from, ...(o.branch ? { branch: o.branch } : {}) };
      nodes.push({
        id,
        type: "add",
        position: { x, y: o.y },
        data: { point, label: labelOf(o.from, o.branch) },
        deletable: false,
        selectable: false,
        draggable: false,
      } satisfies AddNodeT);
      edges.push({
        id: `e-${id}`,
        source: o.from,
        target: id,
        ...(o.branch ? { sourceHandle: o.branch } : {}),
        type: "insert",
        deletable: false,
        style: { strokeDasharray: "4 4" },
        data: { label: labelOf(o.from, o.branch) },
      } satisfies InsertEdgeT);
    }
    return { nodes, edges };
    // `tick` snaps nodes back to their slots after a drag that did not change the order.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shapeKey, selected, tick, locale]);

  const [nodes, setNodes] = useState<Node[]>(built.nodes);
  useEffect(() => setNodes(built.nodes), [built]);
  const onNodesChange = useCallback((changes: NodeChange[]) => {
    setNodes((ns) =>
      applyNodeChanges(
        changes.filter((c) => c.type !== "remove" && c.type !== "select"),
        ns,
      ),
    );
  }, []);
  const commands = useMemo(() => ({ openPalette: (at: InsertPoint) => setPalette(at) }), []);

  return (
    <Commands.Provider value={commands}>
      <div className="relative h-full w-full" data-testid="canvas">
        <ReactFlow
          nodes={nodes}
          edges={built.edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onNodeClick={(_, n) => n.type !== "add" && store.set(() => ({ selected: n.id }))}
          onPaneClick={() => store.set(() => ({ selected: null }))}
          onNodeDragStop={(_, n) => {
            if (n.type === "step" && !store.get().def.edges) placeStep(store, n.id, indexForDrop(n.position.y, store.get().def.steps.length));
            setTick((x) => x + 1);
          }}
          onNodesDelete={(ns) => ns.forEach((n) => n.type === "step" && removeStep(store, n.id))}
          deleteKeyCode={["Delete"]}
          nodesConnectable
          onConnect={(c) => {
            if (c.source && c.target && !c.target.startsWith("add-")) linkSteps(store, c.source, c.sourceHandle ?? undefined, c.target);
          }}
          panOnScroll
          minZoom={0.2}
          maxZoom={1.5}
          proOptions={{ hideAttribution: true }}
          ariaLabelConfig={{
            "controls.zoomIn.ariaLabel": t("canvas.zoomIn"),
            "controls.zoomOut.ariaLabel": t("canvas.zoomOut"),
            "controls.fitView.ariaLabel": t("canvas.fitView"),
          }}
        >
          <Background gap={20} color="#e2e8f0" />
          <ViewKeeper />
        </ReactFlow>
        {palette !== null ? <Palette at={palette} onClose={() => setPalette(null)} /> : null}
      </div>
    </Commands.Provider>
  );
}
