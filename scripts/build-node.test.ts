// What a process loads at start is what its entry point imports statically, chunk by chunk. The
// ingest web and a worker that has sent no alert must not load Prisma (its runtime and query
// compiler cost a process 15–80 MB): only code behind import() may reach it (docs/scaling.md).
import os from "node:os";
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { buildOptions } from "./build-node.mjs";

function packagesLoaded(meta: Metafile, entry: string, withDynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of meta.outputs[file]?.imports ?? []) {
      if (imp.kind !== "import-statement" && !(withDynamic && imp.kind === "dynamic-import")) continue;
      if (imp.external) packages.add(imp.path);
      else visit(imp.path);
    }
  };
  visit(entry);
  return packages;
}

describe("what the compiled processes load at start", () => {
  it("the web and the worker import no Prisma statically; the worker's alert code does, through import()", async () => {
    const outdir = path.join(os.tmpdir(), `hookflow-build-${process.pid}`);
    const { metafile } = await build({ ...buildOptions(outdir), write: false });
    const entry = (name: string) => Object.keys(metafile.outputs).find((f) => f.endsWith(`${name}.js`) && metafile.outputs[f].entryPoint)!;
    const isPrisma = (p: string) => p.startsWith("@prisma/");

    const web = packagesLoaded(metafile, entry("server"), false);
    const worker = packagesLoaded(metafile, entry("worker/index"), false);
    expect(web.has("pg") && web.has("bullmq")).toBe(true); // the walk sees what is loaded
    expect([...web].filter(isPrisma)).toEqual([]);
    expect(web.has("next")).toBe(false); // Next only for a full web, through import()
    expect([...worker].filter(isPrisma)).toEqual([]);
    // …and the walk would see Prisma if it were there: the worker's alert code reaches it.
    expect([...packagesLoaded(metafile, entry("worker/index"), true)].filter(isPrisma).length).toBeGreaterThan(0);
  });
});
