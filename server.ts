// The one HTTP entry point: /hooks/* takes the fast path (DESIGN.md §1: raw node:http + micro-
// batched inserts do ~8× what a Next route handler does); everything else goes to Next.
//   node dist/server.js      production (needs `next build` and `node scripts/build-node.mjs`)
//   tsx server.ts            the same from source
//   tsx server.ts --dev      development
//   HOOKFLOW_MODE=ingest     only /hooks/* (scale ingest behind a load balancer)
import type http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { env } from "./lib/env";
import { handleHook } from "./lib/webhooks/handle-hook";
import { createHttpServer, parseTrustedProxies, stampClientAddress } from "./lib/http-server";
import { markBusy, startIdleGc } from "./lib/idle-gc";

const dev = process.argv.includes("--dev");
// Compiled to dist/server.js by scripts/build-node.mjs: the app (and .next) live one level up.
const appDir = path.basename(import.meta.dirname) === "dist" ? path.dirname(import.meta.dirname) : import.meta.dirname;
const ingestOnly = process.env.HOOKFLOW_MODE === "ingest";
const { PORT, APP_URL, TRUSTED_PROXIES } = env();
const trustedProxies = parseTrustedProxies(TRUSTED_PROXIES);

/**
 * In production Next reads the configuration `next build` resolved (what its standalone server
 * does) instead of compiling next.config.ts at start: that compile loads SWC's native binary,
 * 26 MB of a resident web process for nothing (docs/scaling.md, memory). Next then skips its own
 * loading of `.env*` files, so it is done here the way Next does it (@next/env, Next's own loader).
 */
async function useBuiltConfig() {
  const file = path.join(appDir, process.env.NEXT_DIST_DIR || ".next", "required-server-files.json");
  let config: unknown;
  try {
    config = (JSON.parse(fs.readFileSync(file, "utf8")) as { config?: unknown }).config;
  } catch {
    return; // No build output to read (a start without `next build` fails in Next with its own message).
  }
  if (!config || process.env.__NEXT_PRIVATE_STANDALONE_CONFIG) return;
  // A CommonJS module whose named exports Node cannot see: its functions are on `default`.
  const mod = (await import("@next/env")) as typeof import("@next/env") & { default?: typeof import("@next/env") };
  const { loadEnvConfig } = mod.default ?? mod;
  loadEnvConfig(appDir, false, { info: () => undefined, error: (...a: unknown[]) => console.error(...a) });
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

async function main() {
  let nextHandler: http.RequestListener | null = null;
  if (!ingestOnly) {
    // Loaded only here: an ingest-only process never needs Next (its modules alone hold ≈ 16 MB).
    const { default: next } = await import("next");
    if (!dev) await useBuiltConfig();
    const app = next({ dev, dir: appDir, port: PORT });
    await app.prepare();
    const handle = app.getRequestHandler();
    nextHandler = (req, res) => void handle(req, res);
  }
  // After a burst of requests and a quiet minute (IDLE_COLLECT_AFTER_MS), one full collection
  // returns the heap it grew.
  startIdleGc({ quietMs: env().IDLE_COLLECT_AFTER_MS });
  const server = createHttpServer((req, res) => {
    markBusy();
    if (req.url?.startsWith("/hooks/")) {
      handleHook(req, res).catch((err) => {
        console.error("[hooks]", err);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end('{"ok":false,"error":"internal"}');
      });
      return;
    }
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (!nextHandler) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false,"error":"not_found"}');
      return;
    }
    stampClientAddress(req, trustedProxies);
    nextHandler(req, res);
  });
  server.listen(PORT, () => {
    console.log(`[web] Hookflow ${ingestOnly ? "(ingest only) " : ""}listening on ${APP_URL} (port ${PORT})`);
  });
  const stop = () => {
    console.log("[web] shutting down");
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error("[web] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
