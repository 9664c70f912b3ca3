"use client";
// Export (a plain download link: the route answers with Content-Disposition) and import (a file
// input posting the file's JSON) for the pipelines list.
import { useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { api } from "@/components/ui/api";

export function ExportPipelineLink({ pipelineId }: { pipelineId: string }) {
  const t = useTranslations("kit");
  return (
    <a
      href={`/api/v1/pipelines/${pipelineId}/export`}
      download
      title={t("exportTitle")}
      className="inline-flex items-center rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100"
      data-testid="export-pipeline"
    >
      {t("export")}
    </a>
  );
}

export function ImportPipelineButton() {
  const t = useTranslations("kit");
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<{ kind: "ok" | "warn" | "error"; text: string } | null>(null);

  async function importFile(file: File) {
    setMessage(null);
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      setMessage({ kind: "error", text: t("importFailed", { message: t("notJson") }) });
      return;
    }
    try {
      const res = await api<{ pipeline: { id: string; name: string }; missingCredentials: string[] }>("/api/v1/pipelines/import", { body: json });
      const done = t("imported", { name: res.pipeline.name });
      setMessage(
        res.missingCredentials.length
          ? { kind: "warn", text: `${done} ${t("missingCredentials", { names: res.missingCredentials.map((n) => `«${n}»`).join(", ") })}` }
          : { kind: "ok", text: done },
      );
      router.refresh();
    } catch (e) {
      setMessage({ kind: "error", text: t("importFailed", { message: (e as Error).message }) });
    }
  }

  const colors = { ok: "bg-emerald-50 text-emerald-800", warn: "bg-amber-50 text-amber-800", error: "bg-red-50 text-red-700" };
  // The result floats under the button so the list header keeps its layout.
  return (
    <span className="relative inline-flex">
      <input
        ref={input}
        type="file"
        accept="application/json,.json"
        className="hidden"
        data-testid="import-pipeline-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void importFile(file);
        }}
      />
      <Button title={t("importTitle")} onClick={() => input.current?.click()} data-testid="import-pipeline">
        {t("import")}
      </Button>
      {message ? (
        <span
          className={`absolute right-0 top-full z-10 mt-2 flex w-96 items-start gap-2 rounded-md px-3 py-2 text-sm shadow-md ring-1 ring-slate-200 ${colors[message.kind]}`}
        >
          <span role={message.kind === "error" ? "alert" : "status"} className="flex-1" data-testid="import-result">
            {message.text}
          </span>
          <button type="button" aria-label={t("close")} className="text-slate-500 hover:text-slate-800" onClick={() => setMessage(null)}>
            ×
          </button>
        </span>
      ) : null}
    </span>
  );
}
