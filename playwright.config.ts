import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_BASE_URL = `http://localhost:${PORT}`;
/** Port of the fake Weeek (and other fakes) that e2e specs start; allow-listed for outbound HTTP. */
export const FAKE_PORT = Number(process.env.E2E_FAKE_PORT ?? 4010);
export const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? 2525);

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: E2E_BASE_URL,
    locale: "ru-RU",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: "node scripts/start.mjs --no-prepare",
    url: `${E2E_BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      APP_URL: E2E_BASE_URL,
      NEXTAUTH_URL: E2E_BASE_URL,
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_e2e",
      REDIS_URL: process.env.E2E_REDIS_URL ?? "redis://127.0.0.1:6379/2",
      SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
      OUTBOUND_ALLOWLIST: `localhost:${FAKE_PORT},127.0.0.1:${FAKE_PORT}`,
      WEEEK_BASE_URL: `http://127.0.0.1:${FAKE_PORT}`,
    },
  },
});
