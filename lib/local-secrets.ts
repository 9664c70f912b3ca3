// Secrets that must exist but must never be hard-coded: generated once per checkout into a
// git-ignored file (.hookflow/secrets.env) unless the operator sets them in the environment.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

export const SECRET_NAMES = ["AUTH_SECRET", "ENCRYPTION_KEY"] as const;

export function secretsFile(root = process.cwd()): string {
  return path.join(root, ".hookflow", "secrets.env");
}

function readFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Fills missing AUTH_SECRET / ENCRYPTION_KEY in `env` from the local file, creating it if needed. */
export function ensureLocalSecrets(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): void {
  const missing = SECRET_NAMES.filter((n) => !env[n]);
  if (missing.length === 0) return;
  const file = secretsFile(root);
  const stored = readFile(file);
  let changed = false;
  for (const name of missing) {
    if (!stored[name]) {
      stored[name] = crypto.randomBytes(32).toString("base64");
      changed = true;
    }
    env[name] = stored[name];
  }
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const body =
      Object.entries(stored)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n") + "\n";
    fs.writeFileSync(file, body, { mode: 0o600 });
  }
}
