import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv, EnvError } from "./env";
import { ensureLocalSecrets } from "./local-secrets";

const secrets = { AUTH_SECRET: "x".repeat(40), ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };

describe("parseEnv", () => {
  it("defaults to the local services", () => {
    const e = parseEnv({ ...secrets });
    expect(e.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/hookflow");
    expect(e.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(e.SMTP_URL).toBe("smtp://127.0.0.1:1025");
    expect(e.APP_URL).toBe("http://localhost:3000");
    expect(e.PORT).toBe(3000);
    expect(e.WEBHOOK_MAX_BYTES).toBe(1048576);
    expect(e.IDLE_COLLECT_AFTER_MS).toBe(60_000);
  });

  it("takes 0 for «never collect when quiet» and names a negative quiet time", () => {
    expect(parseEnv({ ...secrets, IDLE_COLLECT_AFTER_MS: "0" }).IDLE_COLLECT_AFTER_MS).toBe(0);
    expect(() => parseEnv({ ...secrets, IDLE_COLLECT_AFTER_MS: "-5" })).toThrowError(/IDLE_COLLECT_AFTER_MS: /);
  });

  it("names a missing secret", () => {
    expect(() => parseEnv({ AUTH_SECRET: secrets.AUTH_SECRET })).toThrowError(/ENCRYPTION_KEY: is required/);
  });

  it("names every invalid variable with the reason", () => {
    try {
      parseEnv({ ...secrets, DATABASE_URL: "mysql://x", PORT: "70000", ENCRYPTION_KEY: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvError);
      const msg = (err as Error).message;
      expect(msg).toContain("DATABASE_URL: must be a postgresql:// URL");
      expect(msg).toMatch(/PORT: .*65535/);
      expect(msg).toContain("ENCRYPTION_KEY: must be 32 bytes, base64-encoded");
    }
  });

  it("APP_URL follows PORT when only PORT is set; an explicit APP_URL wins", () => {
    expect(parseEnv({ ...secrets, PORT: "3230" }).APP_URL).toBe("http://localhost:3230");
    expect(parseEnv({ ...secrets, PORT: "3230", APP_URL: "" }).APP_URL).toBe("http://localhost:3230");
    expect(parseEnv({ ...secrets, PORT: "3230", APP_URL: "https://hooks.example.ru" }).APP_URL).toBe("https://hooks.example.ru");
  });

  it("treats empty strings as unset (defaults apply)", () => {
    expect(parseEnv({ ...secrets, REDIS_URL: "" }).REDIS_URL).toBe("redis://127.0.0.1:6379");
  });
});

describe("ensureLocalSecrets", () => {
  it("generates secrets once into a private file and reuses them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hf-secrets-"));
    const a: NodeJS.ProcessEnv = {} as NodeJS.ProcessEnv;
    ensureLocalSecrets(a, dir);
    expect(a.AUTH_SECRET).toHaveLength(44);
    expect(Buffer.from(a.ENCRYPTION_KEY!, "base64")).toHaveLength(32);
    const file = path.join(dir, ".hookflow", "secrets.env");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const b: NodeJS.ProcessEnv = {} as NodeJS.ProcessEnv;
    ensureLocalSecrets(b, dir);
    expect(b).toEqual(a);
    const c = { AUTH_SECRET: "from-env".repeat(5) } as NodeJS.ProcessEnv;
    ensureLocalSecrets(c, dir);
    expect(c.AUTH_SECRET).toBe("from-env".repeat(5));
    expect(c.ENCRYPTION_KEY).toBe(a.ENCRYPTION_KEY);
  });
});
