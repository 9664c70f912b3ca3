// Pure helpers of the history views (no React): truncation marks, HTTP exchanges, durations.
import { isTruncated, type TruncatedMarker } from "@/lib/definition/truncate";
import type { ErrorDetail, ErrorKind } from "@/lib/actions/define-action";
import { getAction } from "@/lib/actions/registry";

export type TruncationMark = { path: string; bytes: number; preview: string };

/** Every truncation marker inside a value (the engine cuts per step; the run cap may cut deeper). */
export function findTruncations(value: unknown, path = "$", out: TruncationMark[] = [], depth = 0): TruncationMark[] {
  if (depth > 40 || out.length >= 50) return out;
  if (isTruncated(value)) {
    const m = value as TruncatedMarker;
    out.push({ path, bytes: m.bytes, preview: m.preview });
    return out;
  }
  if (Array.isArray(value)) value.forEach((v, i) => findTruncations(v, `${path}[${i}]`, out, depth + 1));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value))
      findTruncations(v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, out, depth + 1);
  }
  return out;
}

/** 1536 → "1.5 KB" (binary units, one decimal under 10). */
export function formatBytes(n: number, locale: "ru" | "en" = "ru"): string {
  const units = locale === "ru" ? ["Б", "КБ", "МБ", "ГБ"] : ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const num = u === 0 || v >= 10 ? Math.round(v).toString() : v.toFixed(1);
  return `${locale === "ru" ? num.replace(".", ",") : num} ${units[u]}`;
}

/** Text for a JSON block: pretty JSON; a truncation marker shows its preview, which is cut JSON. */
export function jsonText(value: unknown): string {
  if (isTruncated(value)) return (value as TruncatedMarker).preview + " …";
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? "";
}

/** 840 → «840 мс», 1530 → «1,53 с», 75000 → «1 мин 15 с» (English: ms, s, min). */
export function formatDuration(ms: number | null | undefined, locale: "ru" | "en" = "ru"): string {
  if (ms === null || ms === undefined) return "—";
  const u = locale === "ru" ? { ms: "мс", s: "с", min: "мин" } : { ms: "ms", s: "s", min: "min" };
  const num = (v: string) => (locale === "ru" ? v.replace(".", ",") : v);
  if (ms < 1000) return `${ms} ${u.ms}`;
  if (ms < 60_000) return `${num((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} ${u.s}`;
  const m = Math.floor(ms / 60_000);
  return `${m} ${u.min} ${Math.round((ms % 60_000) / 1000)} ${u.s}`;
}

export type HttpExchange = {
  request: { method: string; url: string; headers: unknown; body: unknown } | null;
  response: { status: number | null; headers: unknown; body: unknown } | null;
};

type StepLike = { actionType: string; input: unknown; output: unknown; error: string | null; errorDetail?: ErrorDetail | null };

/** The request an HTTP step sent and the response it got (from output, or from its stored error detail). */
export function httpExchange(step: StepLike): HttpExchange | null {
  if (!getAction(step.actionType)?.httpExchange) return null;
  let request: HttpExchange["request"] = null;
  const input = step.input as Record<string, unknown> | null;
  if (input && typeof input === "object" && !isTruncated(input) && typeof input.url === "string") {
    request = { method: String(input.method ?? ""), url: input.url, headers: input.headers ?? {}, body: parsedBody(input.body) };
  }
  let response: HttpExchange["response"] = null;
  const output = step.output as Record<string, unknown> | null;
  if (output && typeof output === "object" && !isTruncated(output) && typeof output.status === "number") {
    response = { status: output.status, headers: output.headers ?? null, body: output.body };
  } else if (step.errorDetail && typeof step.errorDetail.status === "number") {
    // A refused request: the action stored the status and the start of the body with the step.
    response = { status: step.errorDetail.status, headers: null, body: parsedBody(step.errorDetail.body ?? null) };
  }
  return request || response ? { request, response } : null;
}

function parsedBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return body; // a form or raw body, or an excerpt cut short, stays text
  }
}

export type Explanation = {
  /** Message key under historyPage.explain (messages/<locale>/history.json). */
  key: ErrorKind | "credentialMissing" | "authWithCredential";
  values: { host: string; status: string; message: string; credential: string; attempts: number; field: string };
  /** Offer «Открыть ключ доступа» (the failure is about a key). */
  credentialLink: boolean;
};

/**
 * What the run page says about a failed step, in plain words, from the stored detail: a message
 * key and its values. Null when there is no detail (steps recorded before it existed).
 */
export function explainStepError(detail: ErrorDetail | null | undefined): Explanation | null {
  if (!detail) return null;
  const credential = detail.credentials?.[0] ?? "";
  const values = {
    host: detail.host ?? "",
    status: detail.status !== undefined ? String(detail.status) : "",
    message: detail.message ?? "",
    credential,
    attempts: detail.attempts ?? 1,
    field: detail.field ?? "",
  };
  if (detail.kind === "auth" && detail.status === undefined) return { key: "credentialMissing", values, credentialLink: false };
  if (detail.kind === "auth" && credential) return { key: "authWithCredential", values, credentialLink: true };
  return { key: detail.kind, values, credentialLink: !!credential && detail.kind === "auth" };
}
