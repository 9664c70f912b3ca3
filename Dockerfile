FROM node:20-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate \
 && AUTH_SECRET=build-only-placeholder-secret-0000000000 ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= npx next build \
 && node scripts/build-node.mjs
EXPOSE 3000
# Compiled JavaScript, no TypeScript loader and no npm/npx wrapper process at run time.
CMD ["node", "dist/server.js"]
