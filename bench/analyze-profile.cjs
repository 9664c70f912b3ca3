// node bench/analyze-profile.cjs <file.cpuprofile>… : where a process's busy time went (self time).
// Frames of a bundle (dist/…, bench/.build/…) are mapped through its source map (`<file>.map`,
// Node's own SourceMap reader) to the source file and line they came from, so the engine's files
// show apart although they run from one bundle. Three views: by kind (our code, each package,
// Node's own JavaScript, and the native entries — socket writes, the garbage collector, the
// microtask runner), by source file, by function. `(idle)` is left out of every share.
const fs = require("node:fs");
const { SourceMap } = require("node:module");

const maps = new Map();
function sourceMapOf(url) {
  if (maps.has(url)) return maps.get(url);
  let map = null;
  const file = url.replace(/^file:\/\//, "");
  try {
    if (fs.existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
  } catch {
    // no usable map: the bundle's own name stands
  }
  maps.set(url, map);
  return map;
}

/** { file, line, kind } of a frame: a bundle's frame as the source it came from. */
function placeOf(cf) {
  if (!cf.url) return { file: `${cf.functionName} (native)`, line: -1, kind: `native ${cf.functionName}` };
  if (cf.url.startsWith("node:")) return { file: cf.url, line: cf.lineNumber, kind: "node (its own JavaScript)" };
  let file = cf.url.replace(/^file:\/\//, "");
  let line = cf.lineNumber;
  const map = sourceMapOf(cf.url);
  const entry = map?.findEntry(cf.lineNumber, cf.columnNumber);
  if (entry?.originalSource) {
    file = entry.originalSource;
    line = entry.originalLine;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return { file: `nm/${pkg[1]}${file.slice(file.indexOf(pkg[1]) + pkg[1].length)}`, line, kind: `package ${pkg[1]}` };
  const own = file.replace(/^(\.\.\/)+/, "").replace(/^.*\/work\/[^/]+\//, "");
  return { file: own, line, kind: "our code" };
}

const pct = (v, total) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
const top = (m, n, total) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `  ${pct(v, total)}  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
    .join("\n");

for (const f of process.argv.slice(2)) {
  const p = JSON.parse(fs.readFileSync(f, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + (p.timeDeltas[i] || 0)));
  const kinds = new Map();
  const files = new Map();
  const fns = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, t] of self) {
    const cf = byId.get(id).callFrame;
    if (cf.functionName === "(idle)") {
      idle += t;
      continue;
    }
    busy += t;
    const at = placeOf(cf);
    kinds.set(at.kind, (kinds.get(at.kind) || 0) + t);
    files.set(at.file, (files.get(at.file) || 0) + t);
    const fn = at.line >= 0 ? `${cf.functionName || "(anon)"} ${at.file}:${at.line + 1}` : at.file;
    fns.set(fn, (fns.get(fn) || 0) + t);
  }
  console.log(`== ${f}: busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
  console.log(`-- by kind\n${top(kinds, 20, busy)}`);
  console.log(`-- by source file\n${top(files, 25, busy)}`);
  console.log(`-- by function\n${top(fns, 30, busy)}`);
}
