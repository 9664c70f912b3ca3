import type { BuildOptions } from "esbuild";
/** esbuild's options for dist/server.js and dist/worker/index.js, writing to `outdir`. */
export function buildOptions(outdir: string): BuildOptions & { metafile: true };
