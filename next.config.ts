import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const nextConfig: NextConfig = {
  // Server-only packages with native/dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "bullmq", "ioredis", "nodemailer", "iconv-lite", "busboy"],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: false },
};

export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
