# syntax=docker/dockerfile:1
# One image for every service of docker-compose.yml (api, syncer, gateway-mock, migrate):
# the whole workspace with its dependencies, and each app bundled into apps/<app>/dist/main.mjs
# (scripts/bundle.ts) so the services run on plain node, without tsx's loader in the process.
# The command picks the service (default: the API).
FROM node:20-bookworm-slim

# pnpm from npm, pinned like package.json's packageManager (corepack cannot verify this
# registry's signatures; pnpm 11 does not run on Node 20).
RUN npm install -g pnpm@10.34.9

WORKDIR /app

# The whole repository first (see .dockerignore), so that anything `pnpm install` reads
# (workspace manifests, lockfile, patches) is present; the store cache keeps rebuilds fast.
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store
RUN node_modules/.bin/tsx scripts/build.ts

# Run as the image's unprivileged user; .data/ is the only folder the scripts write to.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 8000 8001
# The API with its V8 flags (apps/api/src/node-flags.ts; a test checks they match).
CMD ["node", "--max-semi-space-size=32", "apps/api/dist/main.mjs"]
