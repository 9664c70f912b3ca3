// Cross-site request forgery guard for cookie-authenticated /api/v1 calls that change state.
// SameSite=Lax does not help here: browsers count another port of the same host as the same
// site, so a page served there could post with our cookie. A state-changing request that
// authenticates with the session cookie must therefore
//   1. come from our own origin: an Origin header equal to this server's origin (the Host it was
//      sent to, or APP_URL), or — when a browser sends no Origin — Sec-Fetch-Site: same-origin;
//      a request carrying neither header is not from a browser (curl, scripts) and cannot be
//      forged by a web page;
//   2. carry JSON: Content-Type application/json (or +json) whenever it has a body or a content
//      type, so the "simple" text/plain and form posts a foreign page can send without a CORS
//      preflight are refused even if the origin check were somehow passed.
// Bearer-token calls are not affected (a foreign page cannot attach our tokens).
import { ForbiddenError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export type CsrfInput = { method: string; headers: Headers };

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Why this cookie-authenticated request is refused, or null when it may proceed. */
export function csrfProblem(req: CsrfInput, appUrl: string): string | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const origin = req.headers.get("origin");
  const fetchSite = req.headers.get("sec-fetch-site");
  if (origin !== null) {
    const own = new Set<string>();
    const appOrigin = originOf(appUrl);
    if (appOrigin) own.add(appOrigin);
    const host = req.headers.get("host");
    if (host) {
      own.add(`http://${host}`.toLowerCase());
      own.add(`https://${host}`.toLowerCase());
    }
    if (!own.has(origin.toLowerCase())) return `запрос пришёл со страницы другого сайта (${origin})`;
  } else if (fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none") {
    return `запрос пришёл со страницы другого сайта (Sec-Fetch-Site: ${fetchSite})`;
  }
  const type = req.headers.get("content-type");
  const length = req.headers.get("content-length");
  const hasBody = type !== null || (length !== null && length !== "0") || req.headers.get("transfer-encoding") !== null;
  if (hasBody && !JSON_TYPE.test(type ?? "")) {
    return `тело запроса должно быть JSON (Content-Type: application/json), а пришло ${type ? `«${type}»` : "без Content-Type"}`;
  }
  return null;
}

export function assertNotForged(req: CsrfInput, appUrl: string): void {
  const problem = csrfProblem(req, appUrl);
  if (problem) {
    throw new ForbiddenError(
      `Запрос отклонён для защиты вашей сессии: ${problem}. Изменения через API с входом по cookie принимаются только из самого Hookflow; для скриптов используйте API-токен (Authorization: Bearer …)`,
      { code: "csrf_rejected" },
    );
  }
}
