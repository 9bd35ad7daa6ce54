# phonefleet's API and worker (one image, two commands; see docker-compose.yml).
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a code change does not reinstall them. `npm ci` runs the postinstall
# (scripts/install-temporal.mjs, scripts/prisma-generate.mjs), which needs these files; without
# Python the Temporal binaries are skipped, which is fine: containers use TEMPORAL_ADDRESS.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# Embedded state (only used when DATABASE_URL / TEMPORAL_ADDRESS are unset) must be writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 8080
CMD ["node_modules/.bin/tsx", "src/api/main.ts"]
