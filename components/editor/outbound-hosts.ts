// «Проверить обработку» really calls outside systems: which hosts, by which steps. Read from the
// HTTP steps' addresses; a host made of a token (e.g. a portal address kept as a key) is named by
// its step only, since its value is known when the step runs.
import type { PipelineDefinition } from "@/lib/definition/schema";
import { findTokens } from "@/lib/definition/placeholders";

export type OutboundCall = { host: string | null; steps: { index: number; name: string }[] };

/** Host of an address template, or null when a token decides it. */
export function hostOf(url: string): string | null {
  const m = /^\s*https?:\/\/([^/?#]*)/i.exec(url);
  if (!m) return null;
  const authority = m[1];
  if (authority.includes("{{") || findTokens(authority).length > 0) return null;
  const host = authority.replace(/^[^@]*@/, "");
  return host ? host.toLowerCase() : null;
}

/** One entry per host (in step order); steps whose host is a token are grouped under null. */
export function outboundCalls(def: PipelineDefinition): OutboundCall[] {
  const byHost = new Map<string | null, OutboundCall>();
  def.steps.forEach((s, index) => {
    if (s.type !== "http-request") return;
    const host = hostOf(String((s.config as { url?: unknown }).url ?? ""));
    const entry = byHost.get(host) ?? { host, steps: [] };
    entry.steps.push({ index, name: s.name });
    byHost.set(host, entry);
  });
  return [...byHost.values()];
}
