import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const nextConfig: NextConfig = {
  // Server-only packages with native/dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "bullmq", "ioredis", "nodemailer", "iconv-lite", "busboy"],
  // Separate build folders let several e2e suites run side by side (NEXT_DIST_DIR).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
