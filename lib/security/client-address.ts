// The client's address for throttling and logs. X-Forwarded-For is written by whoever sent the
// request, so it is believed only when the socket peer is one of TRUSTED_PROXIES (IPs or CIDRs,
// e.g. "127.0.0.1,10.0.0.0/8"); then the rightmost address not itself a trusted proxy is the client.
// Without TRUSTED_PROXIES the socket address is the client, whatever the headers say.
import net from "node:net";

export type TrustedProxies = { has(address: string): boolean; empty: boolean };

/** "::ffff:10.0.0.1" → "10.0.0.1"; brackets and zone ids removed. */
export function normalizeAddress(address: string): string {
  let a = address.trim().replace(/^\[|\]$/g, "");
  const pct = a.indexOf("%");
  if (pct >= 0) a = a.slice(0, pct);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1] : a.toLowerCase();
}

export class TrustedProxiesError extends Error {}

export function parseTrustedProxies(list: string): TrustedProxies {
  const block = new net.BlockList();
  let count = 0;
  for (const raw of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addrRaw, bitsRaw] = raw.split("/");
    const addr = normalizeAddress(addrRaw);
    const family = net.isIP(addr);
    if (!family) throw new TrustedProxiesError(`"${raw}" is not an IP address or CIDR`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bitsRaw === undefined) block.addAddress(addr, type);
    else {
      const bits = Number(bitsRaw);
      if (!/^\d+$/.test(bitsRaw) || bits > (family === 6 ? 128 : 32)) throw new TrustedProxiesError(`"${raw}" has a bad prefix length`);
      block.addSubnet(addr, bits, type);
    }
    count++;
  }
  return {
    empty: count === 0,
    has(address: string) {
      const a = normalizeAddress(address);
      const family = net.isIP(a);
      return family !== 0 && block.check(a, family === 6 ? "ipv6" : "ipv4");
    },
  };
}

/** The client address of a request that arrived from `peer` with these X-Forwarded-For values. */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const socket = peer ? normalizeAddress(peer) : "unknown";
  if (trusted.empty || !trusted.has(socket) || !forwardedFor) return socket;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((s) => normalizeAddress(s))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!net.isIP(hops[i])) return socket; // garbage in the chain: fall back to what we know
    if (!trusted.has(hops[i])) return hops[i];
  }
  return hops[0] ?? socket;
}

/** Header server.ts sets on every request it hands to Next (any value a client sent is replaced). */
export const CLIENT_ADDRESS_HEADER = "x-hookflow-client-address";
