"use client";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { useTranslations } from "next-intl";
import { EditorView, minimalSetup } from "codemirror";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { Decoration, MatchDecorator, ViewPlugin, WidgetType, lineNumbers, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { findTokens } from "@/lib/definition/placeholders";
import { FieldPicker } from "./field-picker";
import { useLabelContext } from "./placeholder-input";
import { chipClass } from "./chip";
import { tokenLabel, type LabelContext } from "./placeholders";
import { jsonTemplateDiagnostic } from "./json-template";

class ChipWidget extends WidgetType {
  constructor(
    readonly text: string,
    readonly cls: string,
  ) {
    super();
  }
  eq(other: ChipWidget) {
    return other.text === this.text && other.cls === this.cls;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = this.cls;
    span.dataset.chip = "";
    span.textContent = this.text;
    return span;
  }
}

// Tokens become atomic chips; the document text (what is saved) is untouched.
function chipPlugin(ctx: LabelContext): Extension {
  const matcher = new MatchDecorator({
    regexp: /\{\{(?:[^{}"']|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')*?\}\}/g,
    decoration: (m) => {
      const found = findTokens(m[0])[0];
      if (!found || found.start !== 0 || found.end !== m[0].length) return null;
      const label = tokenLabel(found.token, ctx);
      return Decoration.replace({ widget: new ChipWidget(label.text, chipClass(label)) });
    },
  });
  const plugin = ViewPlugin.fromClass(
    class {
      chips: DecorationSet;
      constructor(view: EditorView) {
        this.chips = matcher.createDeco(view);
      }
      update(u: ViewUpdate) {
        this.chips = matcher.updateDeco(u, this.chips);
      }
    },
    {
      decorations: (v) => v.chips,
      provide: (p) => EditorView.atomicRanges.of((view) => view.plugin(p)?.chips ?? Decoration.none),
    },
  );
  return plugin;
}

const theme = EditorView.theme({
  "&": { fontSize: "12.5px", border: "1px solid rgb(203 213 225)", borderRadius: "6px", backgroundColor: "white" },
  "&.cm-focused": { outline: "none", borderColor: "rgb(99 102 241)", boxShadow: "0 0 0 1px rgb(99 102 241)" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", padding: "6px 0" },
  ".cm-gutters": { backgroundColor: "rgb(248 250 252)", borderRight: "1px solid rgb(226 232 240)", color: "rgb(148 163 184)", borderRadius: "6px 0 0 6px" },
  ".cm-scroller": { minHeight: "120px", maxHeight: "320px", overflow: "auto" },
});

/** CodeMirror for a JSON template: highlighting, validation with tokens allowed, token chips, picker. */
export function JsonEditor({
  label,
  value,
  onChange,
  stepIndex,
  invalid,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  stepIndex: number;
  invalid?: boolean;
}) {
  const t = useTranslations("editor");
  const id = useId();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  /** The text this editor last reported; a `value` equal to it is our own echo, not an outside change. */
  const reported = useRef(value);
  const chips = useRef(new Compartment());
  const [picking, setPicking] = useState(false);
  const ctx = useLabelContext();

  // Layout effect: the next CodeMirror change must see this render's handler, even on a busy machine
  // where passive effects run late.
  useLayoutEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const lint = linter(
      (v): Diagnostic[] => {
        const d = jsonTemplateDiagnostic(v.state.doc.toString());
        return d ? [{ from: d.from, to: d.to, severity: "error", message: d.message }] : [];
      },
      { delay: 300 },
    );
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          minimalSetup,
          lineNumbers(),
          json(),
          lint,
          lintGutter(),
          EditorView.lineWrapping,
          theme,
          chips.current.of(chipPlugin(ctx)),
          EditorView.contentAttributes.of({ "aria-labelledby": id, "data-testid": "json-editor" }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            reported.current = u.state.doc.toString();
            onChangeRef.current(reported.current);
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The view is created once; value and labels are synced by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Only a change from outside (restore, another step's rename) replaces the text: a render that
  // carries an older copy of what was just typed must not overwrite the newer text.
  useEffect(() => {
    const v = view.current;
    if (!v || value === reported.current) return;
    reported.current = value;
    if (v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: chips.current.reconfigure(chipPlugin(ctx)) });
  }, [ctx]);

  const pick = (token: string) => {
    const v = view.current;
    setPicking(false);
    if (!v) return;
    v.dispatch(v.state.replaceSelection(token));
    v.focus();
  };

  return (
    <div className="space-y-1">
      <div className="relative flex items-center justify-between">
        <span id={id} className="text-sm font-medium text-slate-700">
          {label}
        </span>
        <button
          type="button"
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => setPicking((p) => !p)}
          aria-expanded={picking}
          className="rounded px-1.5 py-0.5 text-xs font-medium text-indigo-600 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        >
          {t("picker.insert")}
        </button>
        {picking ? (
          <div className="pointer-events-none absolute inset-x-0 top-0 h-6">
            <FieldPicker stepIndex={stepIndex} onPick={pick} onClose={() => setPicking(false)} />
          </div>
        ) : null}
      </div>
      <div ref={host} className={invalid ? "rounded-md ring-1 ring-red-400" : ""} />
    </div>
  );
}
