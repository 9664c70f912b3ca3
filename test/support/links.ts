// Graph edges written compactly in tests: "from>to" or "from>to:branch".
import type { EdgeDefinition } from "../../lib/definition/schema";

export function links(...specs: string[]): EdgeDefinition[] {
  return specs.map((spec) => {
    const m = /^([^>]+)>([^:]+)(?::(.+))?$/.exec(spec);
    if (!m) throw new Error(`bad link "${spec}"`);
    return m[3] ? { from: m[1], to: m[2], branch: m[3] } : { from: m[1], to: m[2] };
  });
}
