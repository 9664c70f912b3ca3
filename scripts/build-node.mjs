// Compiles the two long-running Node entry points to plain JavaScript (dist/server.js,
// dist/worker/index.js) so production runs `node dist/…` — no TypeScript loader at run time
// (docs/scaling.md, memory). Our own code is bundled per entry point; packages stay in
// node_modules. `npm start` runs it before starting the web and the worker (about a second), so
// dist/ always matches the sources. Files are written next to dist/ and renamed into place, so a
// process starting from dist/ while another start rebuilds it never reads a half-written file.
//   node scripts/build-node.mjs
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const tmp = path.join(root, `dist.tmp-${process.pid}`);
try {
  await build({
    absWorkingDir: root,
    entryPoints: { server: "server.ts", "worker/index": "worker/index.ts" },
    outdir: tmp,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
  });
  for (const rel of ["server.js.map", "server.js", "worker/index.js.map", "worker/index.js"]) {
    fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    fs.renameSync(path.join(tmp, rel), path.join(dist, rel));
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log("[hookflow] compiled dist/server.js and dist/worker/index.js");
