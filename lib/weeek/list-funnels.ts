// The two Weeek reads the status picker needs, made by the server with the user's token through
// the SSRF-guarded client (the token never reaches the browser, and WEEEK_BASE_URL may be moved
// to a fake or a proxy). Weeek's answers become plain Russian messages the wizard shows as is.
import { OutboundError, type HttpClient } from "../actions/define-action";
import { NotFoundError, UpstreamError, ValidationError } from "../errors";
import { env } from "../env";
import { outboundHttpFromEnv } from "../security/outbound-http";

export type WeeekFunnel = { id: string; name: string };
export type WeeekStatus = { id: string; name: string };

export type WeeekCallOptions = { baseUrl?: string; http?: HttpClient };

async function weeekGet(path: string, token: string, opts: WeeekCallOptions): Promise<Record<string, unknown>> {
  const base = (opts.baseUrl ?? env().WEEEK_BASE_URL).replace(/\/+$/, "");
  const http = opts.http ?? outboundHttpFromEnv();
  let res;
  try {
    res = await http({
      method: "GET",
      url: `${base}/public/v1${path}`,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      timeoutMs: 15_000,
    });
  } catch (e) {
    if (e instanceof OutboundError) throw new UpstreamError(`Weeek недоступен: ${e.message}`, { code: "weeek_unreachable" });
    throw e;
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    // Non-JSON bodies (a proxy's HTML error page) are reported by status below.
  }
  if (res.status === 401 || res.status === 403) throw new ValidationError("Неверный токен Weeek", { code: "weeek_unauthorized" });
  if (res.status === 404) throw new NotFoundError("Weeek: воронка не найдена", { code: "weeek_not_found" });
  if (res.status < 200 || res.status >= 300) {
    const msg = typeof body.message === "string" ? `: ${body.message}` : "";
    throw new UpstreamError(`Weeek ответил HTTP ${res.status}${msg}`, { code: "weeek_error" });
  }
  return body;
}

function items(body: Record<string, unknown>, key: string): { id: string; name: string }[] {
  const list = body[key];
  if (!Array.isArray(list)) throw new UpstreamError(`Weeek вернул ответ без списка «${key}»`, { code: "weeek_error" });
  return list
    .filter((x): x is Record<string, unknown> => !!x && typeof x === "object")
    .map((x) => ({ id: String(x.id), name: String(x.name ?? x.title ?? x.id) }));
}

export async function listWeeekFunnels(token: string, opts: WeeekCallOptions = {}): Promise<WeeekFunnel[]> {
  return items(await weeekGet("/crm/funnels", token, opts), "funnels");
}

export async function listWeeekStatuses(token: string, funnelId: string, opts: WeeekCallOptions = {}): Promise<WeeekStatus[]> {
  return items(await weeekGet(`/crm/funnels/${encodeURIComponent(funnelId)}/statuses`, token, opts), "statuses");
}
