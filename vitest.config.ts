import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "worker/**/*.test.ts", "components/**/*.test.{ts,tsx}", "test/**/*.itest.ts", "scripts/**/*.test.ts"],
    globalSetup: ["./vitest.setup-global.ts"],
    env: {
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_test",
      NODE_ENV: "test",
      REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
