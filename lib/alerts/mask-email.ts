// E-mails leave the system, so on top of the engine's masker (the user's credential values) every
// auth-looking fragment of free text is masked too: an error message or a response body may echo
// a header or a token the user typed in by hand, which no credential list knows about.
import { createMasker, MASK } from "../security/mask";

const PATTERNS: [RegExp, string][] = [
  // "Authorization: Bearer abc", "authorization=abc", "\"x-api-key\":\"abc\""
  [
    /((?:proxy-)?authorization|x-api-key|x-auth-token|x-access-token|cookie|set-cookie)(["']?\s*[:=]\s*["']?)(?:(Bearer|Basic|Token|Bot|OAuth)\s+)?[^\s"',;}&)\]]+/gi,
    "$1$2$3 " + MASK,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${MASK}`],
  // key=value / "key": "value" for secret-looking keys
  [/((?:password|passwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)["']?\s*[:=]\s*["']?)[^\s"',;}&)\]]+/gi, `$1${MASK}`],
  // credentials inside URLs: scheme://user:pass@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, `$1${MASK}@`],
];

const SECRET_KEY = /pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|authorization|cookie|signature|cvv|card/i;

export type EmailMasker = {
  text(value: string): string;
  /** Masks a field value, wholly when its name looks like a secret. */
  field(key: string, value: string): string;
};

export function createEmailMasker(secrets: Iterable<string>): EmailMasker {
  const base = createMasker(secrets);
  const text = (value: string): string => {
    let out = base.text(value);
    for (const [re, repl] of PATTERNS) out = out.replace(re, repl);
    // "$1$2$3 ***" leaves a double space when there was no scheme word; tidy it.
    return out.replace(/([:=]\s*["']?) +\*\*\*/g, `$1${MASK}`);
  };
  return {
    text,
    field: (key, value) => (SECRET_KEY.test(key) ? MASK : text(value)),
  };
}
