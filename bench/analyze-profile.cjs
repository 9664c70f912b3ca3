const fs = require("fs");
for (const f of process.argv.slice(2)) {
  const p = JSON.parse(fs.readFileSync(f));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let total = 0;
  const dt = p.timeDeltas;
  const counts = new Map();
  p.samples.forEach((id, i) => {
    counts.set(id, (counts.get(id) || 0) + (dt[i] || 0));
  });
  const agg = new Map();
  for (const [id, t] of counts) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const key = `${cf.functionName || "(anon)"} ${cf.url.replace(/.*node_modules\//, "nm/").replace(/.*\/work\/main\//, "")}:${cf.lineNumber}`;
    agg.set(key, (agg.get(key) || 0) + t);
    total += t;
  }
  // also aggregate by file
  const byFile = new Map();
  for (const [id, t] of counts) {
    const n = byId.get(id);
    const u =
      n.callFrame.url
        .replace(/.*node_modules\//, "nm/")
        .replace(/.*\/work\/main\//, "")
        .split("/")
        .slice(0, 2)
        .join("/") || n.callFrame.functionName;
    byFile.set(u, (byFile.get(u) || 0) + t);
  }
  console.log("==", f, "total ms", (total / 1000).toFixed(0));
  console.log(
    [...byFile]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => `  ${((v / total) * 100).toFixed(1)}% ${k}`)
      .join("\n"),
  );
  console.log(
    [...agg]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, v]) => `  ${((v / total) * 100).toFixed(1)}% ${k}`)
      .join("\n"),
  );
}
