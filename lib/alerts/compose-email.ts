// Renders one alert e-mail (plain text + HTML) from already-masked facts. Pure: no database, so
// the wording is unit-tested and the worker, the test-email route and the tests share it.
import { strings, type EmailLocale } from "./email-strings";

export type FailedStepInfo = {
  title: string;
  error: string;
  httpStatus?: number;
  bodyExcerpt?: string;
};

export type RunInfo = {
  id: string;
  link: string;
  at: Date;
  status: "FAILED" | "SUCCEEDED" | string;
  error: string | null;
  step: FailedStepInfo | null;
  inputs: [string, string][];
};

export type EmailFacts = {
  kind: "FAILURE" | "DIGEST" | "RECOVERED" | "TEST";
  locale: EmailLocale;
  subject: string;
  pipelineName: string;
  settingsLink: string;
  at: Date;
  /** FAILURE: the run; DIGEST: the failed runs; RECOVERED: failures since the last e-mail + the successful run. */
  runs: RunInfo[];
  /** How many failures the e-mail stands for (may exceed runs.length when ids were capped). */
  failureCount: number;
  capped: boolean;
};

export type ComposedEmail = { subject: string; text: string; html: string };

const LINKS_SHOWN = 20;

export function formatTime(d: Date, locale: EmailLocale): string {
  return new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "ru-RU", {
    dateStyle: "long",
    // "long" time carries the zone name: the reader may be in another zone than the server.
    timeStyle: "long",
  }).format(d);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Distinct errors of failed runs with how often each occurred, most frequent first. */
export function distinctErrors(runs: RunInfo[], unknown: string): { error: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of runs) {
    if (r.status !== "FAILED") continue;
    const e = r.error?.trim() || unknown;
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  return [...counts].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count);
}

export function composeEmail(f: EmailFacts): ComposedEmail {
  const s = strings[f.locale];
  const text: string[] = [];
  const html: string[] = [];
  const p = (t: string) => {
    text.push(t, "");
    html.push(`<p style="margin:0 0 12px">${esc(t)}</p>`);
  };
  const table = (rows: [string, string][]) => {
    for (const [k, v] of rows) text.push(`${k}: ${v}`);
    text.push("");
    html.push(
      `<table style="border-collapse:collapse;margin:0 0 12px">${rows
        .map(
          ([k, v]) =>
            `<tr><td style="padding:2px 12px 2px 0;color:#64748b;vertical-align:top">${esc(k)}</td><td style="padding:2px 0;white-space:pre-wrap">${esc(v)}</td></tr>`,
        )
        .join("")}</table>`,
    );
  };
  const link = (label: string, url: string) => {
    text.push(`${label}: ${url}`, "");
    html.push(`<p style="margin:0 0 12px"><a href="${esc(url)}">${esc(label)}</a><br><span style="color:#64748b;font-size:12px">${esc(url)}</span></p>`);
  };
  const runDetail = (run: RunInfo) => {
    const rows: [string, string][] = [
      [s.pipeline, f.pipelineName],
      [s.time, formatTime(run.at, f.locale)],
    ];
    if (run.step) rows.push([s.step, run.step.title]);
    rows.push([s.error, run.step?.error || run.error || s.unknownError]);
    if (run.step?.httpStatus !== undefined) rows.push([s.httpStatus, String(run.step.httpStatus)]);
    if (run.step?.bodyExcerpt) rows.push([s.responseBody, run.step.bodyExcerpt]);
    table(rows);
    text.push(`${s.inputs}:`);
    html.push(`<p style="margin:0 0 4px;color:#64748b">${esc(s.inputs)}:</p>`);
    if (run.inputs.length === 0) {
      text.push(`  (${s.noInputs})`);
      html.push(`<p style="margin:0 0 12px">(${esc(s.noInputs)})</p>`);
    } else {
      for (const [k, v] of run.inputs) text.push(`  ${k}: ${v}`);
      html.push(`<ul style="margin:0 0 12px;padding-left:18px">${run.inputs.map(([k, v]) => `<li><code>${esc(k)}</code>: ${esc(v)}</li>`).join("")}</ul>`);
    }
    text.push("");
    link(s.openRun, run.link);
  };
  const failureSummary = (failed: RunInfo[]) => {
    const errors = distinctErrors(failed, s.unknownError);
    if (errors.length > 0) {
      text.push(`${s.distinctErrors}:`);
      for (const e of errors) text.push(`  - ${e.error} (${s.times(e.count)})`);
      text.push("");
      html.push(
        `<p style="margin:0 0 4px;color:#64748b">${esc(s.distinctErrors)}:</p><ul style="margin:0 0 12px;padding-left:18px">${errors
          .map((e) => `<li>${esc(e.error)} <span style="color:#64748b">(${esc(s.times(e.count))})</span></li>`)
          .join("")}</ul>`,
      );
    }
    const shown = failed.slice(0, LINKS_SHOWN);
    if (shown.length > 0) {
      text.push(`${s.runs}:`);
      for (const r of shown) text.push(`  ${formatTime(r.at, f.locale)} — ${r.link}`);
      const rest = f.failureCount - shown.length;
      if (rest > 0) text.push(`  ${s.more(rest)}`);
      text.push("");
      html.push(
        `<p style="margin:0 0 4px;color:#64748b">${esc(s.runs)}:</p><ul style="margin:0 0 12px;padding-left:18px">${shown
          .map((r) => `<li><a href="${esc(r.link)}">${esc(formatTime(r.at, f.locale))}</a> — ${esc(r.error ?? s.unknownError)}</li>`)
          .join("")}${rest > 0 ? `<li>${esc(s.more(rest))}</li>` : ""}</ul>`,
      );
    }
  };

  const failed = f.runs.filter((r) => r.status === "FAILED");
  switch (f.kind) {
    case "FAILURE": {
      p(s.failureIntro(f.pipelineName));
      if (failed[0]) runDetail(failed[0]);
      break;
    }
    case "DIGEST": {
      p(s.digestIntro(f.pipelineName, f.failureCount, f.capped));
      failureSummary(failed);
      break;
    }
    case "RECOVERED": {
      p(s.recoveredIntro(f.pipelineName));
      const ok = f.runs.find((r) => r.status === "SUCCEEDED");
      if (ok) {
        table([[s.time, formatTime(ok.at, f.locale)]]);
        link(s.recoveredBy, ok.link);
      }
      if (f.failureCount > 0) {
        p(s.recoveredPending(f.failureCount, f.capped));
        failureSummary(failed);
      }
      break;
    }
    case "TEST": {
      p(s.testIntro(f.pipelineName));
      table([[s.time, formatTime(f.at, f.locale)]]);
      break;
    }
  }
  link(s.settings, f.settingsLink);
  text.push("--", s.footer);
  html.push(`<hr style="border:none;border-top:1px solid #e2e8f0;margin:16px 0"><p style="margin:0;color:#94a3b8;font-size:12px">${esc(s.footer)}</p>`);

  return {
    subject: f.subject,
    text: text.join("\n"),
    html: `<!doctype html><html lang="${f.locale}"><head><meta charset="utf-8"><title>${esc(f.subject)}</title></head><body style="font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;font-size:14px;color:#0f172a;line-height:1.5">${html.join("")}</body></html>`,
  };
}
