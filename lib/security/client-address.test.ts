// The address the sign-in throttle keys on, through the real server wiring (lib/http-server.ts).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { clientAddress, CLIENT_ADDRESS_HEADER, parseTrustedProxies } from "./client-address";
import { createHttpServer, stampClientAddress } from "../http-server";
import { parseEnv } from "../env";

async function seenAddress(trustedList: string, headers: Record<string, string>): Promise<string> {
  const trusted = parseTrustedProxies(trustedList);
  const server = createHttpServer((req, res) => {
    stampClientAddress(req, trusted);
    res.end(String(req.headers[CLIENT_ADDRESS_HEADER]));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/", headers }, (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe("client address", () => {
  it("ignores X-Forwarded-For (and a forged stamp header) without TRUSTED_PROXIES", async () => {
    expect(await seenAddress("", { "X-Forwarded-For": "203.0.113.7", [CLIENT_ADDRESS_HEADER]: "198.51.100.1" })).toBe("127.0.0.1");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    expect(await seenAddress("10.0.0.0/8", { "X-Forwarded-For": "203.0.113.7" })).toBe("127.0.0.1");
  });

  it("believes X-Forwarded-For from a trusted proxy: the rightmost untrusted hop is the client", async () => {
    expect(await seenAddress("127.0.0.1", { "X-Forwarded-For": "203.0.113.7" })).toBe("203.0.113.7");
    // A client-supplied first hop cannot pick the key: the proxy appended the real address.
    expect(await seenAddress("127.0.0.1,10.0.0.0/8", { "X-Forwarded-For": "1.2.3.4, 203.0.113.7, 10.1.2.3" })).toBe("203.0.113.7");
  });

  it("normalizes IPv4-mapped addresses and falls back to the socket on garbage", () => {
    const trusted = parseTrustedProxies("::1,127.0.0.1");
    expect(clientAddress("::ffff:127.0.0.1", "::ffff:203.0.113.9", trusted)).toBe("203.0.113.9");
    expect(clientAddress("::1", "not-an-ip, 203.0.113.9", trusted)).toBe("203.0.113.9");
    expect(clientAddress("::1", "203.0.113.9, <script>", trusted)).toBe("::1");
  });

  it("TRUSTED_PROXIES is validated at start-up", () => {
    const base = { AUTH_SECRET: "x".repeat(32), ENCRYPTION_KEY: Buffer.alloc(32).toString("base64") };
    expect(parseEnv({ ...base, TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8, fd00::/8" }).TRUSTED_PROXIES).toBe("127.0.0.1, 10.0.0.0/8, fd00::/8");
    expect(() => parseEnv({ ...base, TRUSTED_PROXIES: "proxy.local" })).toThrow(/TRUSTED_PROXIES: must be IP addresses or CIDRs/);
  });
});
