# phonefleet's API and worker (one image, two commands; see docker-compose.yml). It runs the
# compiled JavaScript from `npm run build` with node, and the worker loads the workflow bundle
# prebuilt into dist/workflow-bundle.js instead of bundling at every start.
FROM node:20-bookworm-slim AS build

WORKDIR /app
# Dependencies first, so a code change does not reinstall them. `npm ci` runs the postinstall
# (scripts/install-temporal.mjs, scripts/prisma-generate.mjs), which needs these files; without
# Python the Temporal binaries are skipped, which is fine: containers use TEMPORAL_ADDRESS.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci

# The build needs the dev dependencies (typescript); the image keeps only what runs.
COPY . .
RUN npm run build && npm prune --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Two malloc arenas instead of one per thread (Temporal's core runs many): about 60 MB less resident.
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# dist/ holds the compiled code, the prebuilt workflow bundle, prisma/migrations and the failure converter.
COPY --from=build /app/dist ./dist

# Embedded state (only used when DATABASE_URL / TEMPORAL_ADDRESS are unset) must be writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 8080
# A 2 MB young generation in each V8 isolate (a worker has one per workflow worker besides the main one): less resident memory.
CMD ["node", "--max-semi-space-size=2", "dist/src/api/main.js"]
