/** The owner first, then the pipeline's extra addresses; duplicates (any letter case) dropped. */
export function alertRecipientsFor(ownerEmail: string, extra: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of [ownerEmail, ...extra]) {
    const addr = raw.trim();
    const key = addr.toLowerCase();
    if (!addr || seen.has(key)) continue;
    seen.add(key);
    out.push(addr);
  }
  return out;
}
