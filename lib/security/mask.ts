// Secrets never reach run history, logs or emails in clear: every place a credential value (or its
// JSON-, URL- or form-encoded form) appears becomes "***", and auth-like headers are masked
// whatever they hold, since a user may paste a token into a header without a credential.
// The one rule for headers that carry a secret, used for what was received (webhook requests) and
// what was sent (HTTP-запрос steps, exported pipelines): auth and cookie headers by name, and any
// header whose name speaks of a key, token, secret, password, session or signature.
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|passw|session|signature/i;

export const MASK = "***";

/** Whether a header name carries a secret. */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADER.test(name);
}

/** "Bearer abc" → "Bearer ***", anything else → "***". */
export function maskHeaderValue(value: string): string {
  const m = /^(Bearer|Basic|Token|Bot|OAuth)\s+/i.exec(value);
  return m ? `${m[1]} ${MASK}` : MASK;
}

// Very short secrets would turn every matching letter into *** if masked inside text, so they are
// masked only where a whole string equals them.
const MIN_SUBSTRING_SECRET = 4;

export type Masker = {
  text(value: string): string;
  value<T>(value: T): T;
};

let noSecrets: Masker | undefined;

export function createMasker(secrets: Iterable<string>): Masker {
  // No secrets (most runs): one masker for all of them (it still masks auth-like headers).
  if (Array.isArray(secrets) && secrets.every((s) => !s)) return (noSecrets ??= buildMasker([]));
  return buildMasker(secrets);
}

function buildMasker(secrets: Iterable<string>): Masker {
  const whole = new Set<string>();
  const parts = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    whole.add(s);
    if (s.length < MIN_SUBSTRING_SECRET) continue;
    parts.add(s);
    parts.add(JSON.stringify(s).slice(1, -1));
    parts.add(encodeURIComponent(s));
    parts.add(new URLSearchParams({ s }).toString().slice(2));
  }
  const ordered = [...parts].sort((a, b) => b.length - a.length);
  const text =
    whole.size === 0
      ? (v: string): string => v
      : (v: string): string => {
          if (whole.has(v)) return MASK;
          let out = v;
          for (const p of ordered) if (out.includes(p)) out = out.split(p).join(MASK);
          return out;
        };
  // Copy on write: a value with nothing to mask comes back as is (the common case for runs
  // without credentials); the result is never mutated by the engine.
  const visit = (v: unknown, headerName?: string): unknown => {
    if (typeof v === "string") return headerName !== undefined && isSensitiveHeader(headerName) ? maskHeaderValue(v) : text(v);
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x = visit(v[i], headerName);
        if (out) out.push(x);
        else if (x !== v[i]) (out = v.slice(0, i)).push(x);
      }
      return out ?? v;
    }
    if (v && typeof v === "object") {
      // Plain objects only reach here from JSON-shaped values; others (Date…) keep the old rule.
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[text(k)] = visit(x, k);
        return out;
      }
      // for…in over a plain object (no inherited enumerable keys) walks it without a key array.
      const o = v as Record<string, unknown>;
      let out: Record<string, unknown> | null = null;
      for (const k in o) {
        const x = o[k];
        const mk = text(k);
        const mx = visit(x, k);
        if (!out && (mk !== k || mx !== x)) {
          out = {};
          for (const j in o) {
            if (j === k) break;
            out[j] = o[j];
          }
        }
        if (out) out[mk] = mx;
      }
      return out ?? v;
    }
    return v;
  };
  return { text, value: <T>(v: T) => visit(v) as T };
}

/** Masks `secrets` and auth-like headers anywhere in a JSON value. */
export function maskSecrets<T>(value: T, secrets: Iterable<string>): T {
  return createMasker(secrets).value(value);
}
