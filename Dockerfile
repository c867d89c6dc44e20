# syntax=docker/dockerfile:1
#
# Frontrow server image. The server runs its TypeScript sources through tsx (no compile step), so the image
# carries the workspace sources plus the `npm ci` dependencies, dev dependencies included (tsx is one).
# One image serves every role: set ROLE=api | worker | all (see docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: install from the lockfile only, so this layer is reused until a manifest changes -------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY drizzle/package.json drizzle/
COPY web-demo/package.json web-demo/
# Dev dependencies are needed at run time (tsx), so no --omit=dev here.
RUN --mount=type=cache,target=/root/.npm npm ci

# ---- build: add the sources; build any workspace that has a build script (none is fine) ----------------------
FROM deps AS build
COPY tsconfig.json ./
COPY drizzle/ drizzle/
COPY client-sdk/ client-sdk/
COPY server/ server/
COPY web-demo/ web-demo/
RUN npm run build --workspaces --if-present

# ---- runtime ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# Owned by root and only readable by the app user: the process never writes to its own code.
# (tsx keeps its transform cache under the OS temp dir, which `node` can write.)
COPY --from=build /app /app
USER node
EXPOSE 3000
# /health answers as soon as the HTTP server listens (ROLE=api|all). A worker-only container serves no HTTP:
# docker-compose.yml disables this check for it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form with node as PID 1's direct command (no npm, no shell), so SIGTERM from `docker stop` reaches the
# server's graceful shutdown (stop accepting, drain, close Redis/MySQL) instead of being swallowed by npm.
CMD ["node", "--import", "tsx", "server/src/main.ts"]
