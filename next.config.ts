import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import { COMMON_SECURITY_HEADERS } from "./lib/security/headers";

const nextConfig: NextConfig = {
  // Server-only packages with native/dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "bullmq", "ioredis", "nodemailer", "iconv-lite", "busboy"],
  // Separate build folders let several e2e suites run side by side (NEXT_DIST_DIR).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // Load a page's server code on its first request instead of every page at start: the idle web
  // process stays ~70 MB smaller (docs/scaling.md, memory), a page's first view pays once.
  experimental: { preloadEntriesOnStart: false },
  typescript: { ignoreBuildErrors: false },
  // Pages also get a nonce-based Content-Security-Policy from proxy.ts.
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(COMMON_SECURITY_HEADERS).map(([key, value]) => ({ key, value })) }];
  },
};

export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
