// The one place that reads process.env. Validated with zod; defaults point at local services so
// a fresh clone runs without a .env file.
import { z } from "zod";
import { ensureLocalSecrets } from "./local-secrets";
import { parseTrustedProxies } from "./security/client-address";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .default("postgresql://postgres@127.0.0.1:5432/hookflow"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .default("smtp://127.0.0.1:1025"),
  SMTP_FROM: z.string().default("Hookflow <hookflow@localhost>"),
  /** Unset: http://localhost:<PORT> (see parseEnv), so the start line and webhook URLs follow PORT. */
  APP_URL: z.url("must be a URL like http://localhost:3000").optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  ENCRYPTION_KEY: z.string().refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded"),
  /** Previous keys, "keyId:base64,keyId:base64", still accepted for decryption after a rotation. */
  ENCRYPTION_KEYS_OLD: z.string().default(""),
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  /**
   * Quiet time (ms without a job or request) after which a process runs one full collection and
   * gives the heap a burst grew back (lib/idle-gc.ts); 0 = never. A minute, not seconds: the next
   * burst after it starts slower for a few seconds (docs/scaling.md, «Round 10»).
   */
  IDLE_COLLECT_AFTER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  OUTBOUND_ALLOWLIST: z.string().default(""),
  HTTP_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  STEP_HISTORY_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  RUN_HISTORY_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  WEEEK_BASE_URL: z.url().default("https://api.weeek.net"),
  REGISTRATION_OPEN: bool.default(true),
  /**
   * Tests only (refused unless NODE_ENV=test, see lib/definition/schedule.ts): how many ms one minute
   * of a «По расписанию» interval lasts, so a test schedule fires every second or two.
   */
  SCHEDULE_TEST_MINUTE_MS: z.coerce.number().int().min(100).max(60_000).optional(),
  /**
   * Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed for the
   * sign-in throttle; empty = the socket address is the client.
   */
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .refine((v) => {
      try {
        parseTrustedProxies(v);
        return true;
      } catch {
        return false;
      }
    }, 'must be IP addresses or CIDRs separated by commas, e.g. "127.0.0.1,10.0.0.0/8"'),
});

export type Env = Omit<z.infer<typeof envSchema>, "APP_URL"> & { APP_URL: string };

export class EnvError extends Error {}

/** Parses an environment; throws EnvError whose message names every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== "") cleaned[k] = v;
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? "?");
      const msg = i.code === "invalid_type" && cleaned[name] === undefined ? "is required but not set" : i.message;
      return `  ${name}: ${msg}`;
    });
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...result.data, APP_URL: result.data.APP_URL ?? `http://localhost:${result.data.PORT}` };
}

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    ensureLocalSecrets(process.env);
    cached = parseEnv(process.env);
  }
  return cached;
}
