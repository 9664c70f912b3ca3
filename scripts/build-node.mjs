// Compiles the two long-running Node entry points to plain JavaScript (dist/server.js,
// dist/worker/index.js) so production runs `node dist/…` — no TypeScript loader at run time
// (docs/scaling.md, memory). Our own code is bundled per entry point; packages stay in
// node_modules. Code reached only through `import()` (the worker's alert bookkeeping, which needs
// Prisma) goes to dist/chunks/, so a process loads it — and the packages it imports — only when
// it first runs it. `npm start` runs this before starting the web and the worker (about a second),
// so dist/ always matches the sources. Files are written next to dist/ and renamed into place,
// chunks (content-hashed names) before the entry points that name them, so a process starting from
// dist/ while another start rebuilds it never reads a half-written file or a missing chunk.
//   node scripts/build-node.mjs
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const dist = path.join(root, "dist");
const tmp = path.join(root, `dist.tmp-${process.pid}`);
// A chunk no entry point of this build names is removed once it is a day old: a process started
// from an earlier build (another `npm start` in this directory) may still import it until then.
const STALE_CHUNK_MS = 24 * 3600_000;
/** esbuild's options for the two entry points (scripts/build-node.test.ts builds with them too). */
export function buildOptions(outdir) {
  return {
    absWorkingDir: root,
    entryPoints: { server: "server.ts", "worker/index": "worker/index.ts" },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    metafile: true,
  };
}

async function main() {
  try {
    const result = await build(buildOptions(tmp));
    const written = Object.keys(result.metafile.outputs).map((f) => path.relative(tmp, path.resolve(root, f)));
    const isChunk = (rel) => rel.startsWith(`chunks${path.sep}`);
    for (const rel of [...written.filter(isChunk), ...written.filter((rel) => !isChunk(rel))]) {
      fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
      fs.renameSync(path.join(tmp, rel), path.join(dist, rel));
    }
    const chunks = path.join(dist, "chunks");
    const current = new Set(written.filter(isChunk).map((rel) => path.basename(rel)));
    for (const name of fs.existsSync(chunks) ? fs.readdirSync(chunks) : []) {
      const file = path.join(chunks, name);
      if (!current.has(name) && Date.now() - fs.statSync(file).mtimeMs > STALE_CHUNK_MS) fs.rmSync(file, { force: true });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log("[hookflow] compiled dist/server.js and dist/worker/index.js");
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) await main();
