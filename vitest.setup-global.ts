// Integration tests run against a separate database, migrated fresh for each `vitest run`.
import { execFileSync } from "node:child_process";

export default function setup() {
  process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_test";
  if (!process.env.HOOKFLOW_TEST_DB_READY) {
    execFileSync("npx", ["tsx", "scripts/db.ts", "reset"], { stdio: "inherit", env: process.env });
    process.env.HOOKFLOW_TEST_DB_READY = "1";
  }
}
