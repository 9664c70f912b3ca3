// Path resolution into plain JSON values (source payloads, step outputs, parsed JSON) — the one
// resolver: the field list of «Получить» (lib/webhooks/extract-fields.ts) emits paths in this syntax.
//
// Accepted forms: `a.b`, `a[0].b`, `["key.with.dots"]`, `['k']`, `a["b c"].d`. Dots mean nesting;
// only when the nested path does not exist is a plain key containing dots tried verbatim (Klientiks
// sends `appointment.time` as one key, and a hand-typed {{source.appointment.time}} should find it).
// The field picker writes such keys as `["appointment.time"]`, so its paths never depend on this.

export type PathSegment = { key: string; dotted: boolean };

export class PathSyntaxError extends Error {}

/** Splits a path into segments. `dotted` marks segments written in dot form (eligible for re-joining). */
export function parsePath(path: string): PathSegment[] {
  const segs: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  if (path.startsWith("$")) {
    i = 1;
    if (path[i] === ".") i++;
  }
  while (i < n) {
    const ch = path[i];
    if (ch === "[") {
      const q = path[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2;
        let key = "";
        while (j < n && path[j] !== q) {
          if (path[j] === "\\" && j + 1 < n) {
            key += path[j + 1];
            j += 2;
          } else key += path[j++];
        }
        if (path[j] !== q || path[j + 1] !== "]") throw new PathSyntaxError(`unclosed bracket in path: ${path}`);
        segs.push({ key, dotted: false });
        i = j + 2;
      } else {
        const close = path.indexOf("]", i);
        if (close < 0) throw new PathSyntaxError(`unclosed bracket in path: ${path}`);
        const key = path.slice(i + 1, close).trim();
        if (key === "") throw new PathSyntaxError(`empty brackets in path: ${path}`);
        segs.push({ key, dotted: false });
        i = close + 1;
      }
      if (path[i] === ".") i++;
    } else {
      let j = i;
      while (j < n && path[j] !== "." && path[j] !== "[") j++;
      const key = path.slice(i, j);
      if (key === "") throw new PathSyntaxError(`empty segment in path: ${path}`);
      segs.push({ key, dotted: true });
      i = j;
      if (path[i] === ".") {
        i++;
        if (i === n) throw new PathSyntaxError(`path ends with a dot: ${path}`);
      }
    }
  }
  return segs;
}

function child(value: unknown, key: string): { found: boolean; value: unknown } {
  if (Array.isArray(value)) {
    if (!/^\d+$/.test(key)) return { found: false, value: undefined };
    const idx = Number(key);
    return idx < value.length ? { found: true, value: value[idx] } : { found: false, value: undefined };
  }
  if (value !== null && typeof value === "object" && Object.prototype.hasOwnProperty.call(value, key)) {
    return { found: true, value: (value as Record<string, unknown>)[key] };
  }
  return { found: false, value: undefined };
}

function walk(value: unknown, segs: PathSegment[], i: number): { found: boolean; value: unknown } {
  if (i === segs.length) return { found: true, value };
  // Nesting first (the picker's `a.b`); then a verbatim key joining dotted segments, longest first.
  const c = child(value, segs[i].key);
  if (c.found) {
    const r = walk(c.value, segs, i + 1);
    if (r.found) return r;
  }
  let end = i;
  while (end + 1 < segs.length && segs[end].dotted && segs[end + 1].dotted) end++;
  for (let j = end; j > i; j--) {
    const joined = segs
      .slice(i, j + 1)
      .map((s) => s.key)
      .join(".");
    const v = child(value, joined);
    if (v.found) {
      const r = walk(v.value, segs, j + 1);
      if (r.found) return r;
    }
  }
  return { found: false, value: undefined };
}

/** Resolves `path` in `root`. `found: false` distinguishes a missing field from a present `null`. */
export function getByPath(root: unknown, path: string): { found: boolean; value: unknown } {
  if (path === "" || path === "$") return { found: true, value: root };
  let segs: PathSegment[];
  try {
    segs = parsePath(path);
  } catch (err) {
    // Not a valid path, but possibly a key as it stands (e.g. "a..b" sent verbatim).
    const verbatim = child(root, path);
    if (verbatim.found) return verbatim;
    throw err;
  }
  return walk(root, segs, 0);
}
