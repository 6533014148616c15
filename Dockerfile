# syntax=docker/dockerfile:1
# node:22-slim: Node 22 is the maintained LTS line (Node 20 left support in April 2026),
# and Debian slim keeps glibc (no musl surprises) at a fraction of the full image.
ARG NODE_IMAGE=node:22-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=8001
WORKDIR /app
# Root-owned and read-only for the service user: the code cannot be rewritten at run time.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8001) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# Pending migrations run on start, under an advisory lock (DB_MIGRATIONS_RUN=false to opt out).
CMD ["node", "dist/main.js"]
