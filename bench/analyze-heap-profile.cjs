// node bench/analyze-heap-profile.cjs <file.heapprofile> [frames per stack, 3] [rows, 30]
// Bytes allocated (sampled) by the function that allocated them, and by its innermost stack frames.
const fs = require("node:fs");

const [file, depthArg, rowsArg] = process.argv.slice(2);
const depth = Number(depthArg ?? 3);
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const frame = (cf) =>
  `${cf.functionName || "(anon)"} ${cf.url
    .replace(/.*node_modules\//, "nm/")
    .replace(/^file:\/\//, "")
    .replace(/.*\/(dist|lib|bench|worker)\//, "$1/")}:${cf.lineNumber + 1}`;
const bySelf = new Map();
const byStack = new Map();
let total = 0;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
(function walk(node, stack) {
  const here = [frame(node.callFrame), ...stack];
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(bySelf, here[0], node.selfSize);
    add(byStack, here.slice(0, depth).join(" < "), node.selfSize);
  }
  for (const child of node.children) walk(child, here.length > 64 ? here.slice(0, 64) : here);
})(profile.head, []);
const mb = (b) => (b / 1e6).toFixed(1).padStart(8);
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([k, v]) => `${mb(v)} MB ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
console.log(`${file}: ${(total / 1e6).toFixed(0)} MB allocated (sampled)\n-- by function\n${top(bySelf)}\n-- by stack\n${top(byStack)}`);
