// Response headers for the web UI (docs/security.md). Pages get a per-request nonce-based
// Content-Security-Policy from proxy.ts: only scripts Next marks with that nonce (and what they
// load, 'strict-dynamic') run, so injected markup cannot execute script. Styles stay
// 'unsafe-inline' because React Flow and CodeMirror set inline styles and inject <style> tags.

/** The Content-Security-Policy of one page response. */
export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sent with every response Next produces (pages, API, static files). */
export const COMMON_SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};
