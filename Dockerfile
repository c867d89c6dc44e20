# syntax=docker/dockerfile:1
#
# Frontrow server image. A build stage bundles the server (dist/server) and the web demo (web-demo/dist) with
# the full toolchain; the runtime stage holds those, the files the server reads at run time (Lua scripts,
# migrations), and production dependencies only. One image serves every role: set ROLE=api | worker | all
# (see docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- manifests: the lockfile and every workspace's package.json, so dependency layers are reused until one changes
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY drizzle/package.json drizzle/
COPY web-demo/package.json web-demo/

# ---- build: every dependency (esbuild, vite, typescript), then `npm run build` -------------------------------
FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY drizzle/ drizzle/
COPY client-sdk/ client-sdk/
COPY server/ server/
COPY web-demo/ web-demo/
# The runtime reads only the Lua scripts from the server's sources (the bundle finds them from the package root);
# everything else there is compiled into dist/server.
RUN npm run build && find server/src -type f ! -name '*.lua' -delete

# ---- prod-deps: production dependencies only; no lifecycle scripts (no build tools are installed here) ---------
FROM manifests AS prod-deps
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# ---- runtime ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
# Owned by root and only readable by the app user: the process never writes to its own code.
COPY --from=prod-deps /app/package.json ./
COPY --from=prod-deps /app/node_modules node_modules/
COPY --from=build /app/dist dist/
COPY --from=build /app/server/src server/src/
COPY --from=build /app/drizzle/migrations drizzle/migrations/
COPY --from=build /app/web-demo/dist web-demo/dist/
USER node
EXPOSE 3000
# /health answers as soon as the HTTP server listens (ROLE=api|all). A worker-only container serves no HTTP:
# docker-compose.yml disables this check for it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form with node as the container's command (no npm, no shell), so SIGTERM from `docker stop` reaches the
# server's graceful shutdown (stop accepting, drain, close Redis/MySQL) instead of being swallowed by npm.
# Database migrations run at start-up; `node dist/server/migrate-cli.js` runs them alone, and
# `node dist/server/recovery-cli.js <concertId>` rebuilds a waiting room from MySQL.
CMD ["node", "--enable-source-maps", "dist/server/main.js"]
