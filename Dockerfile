# syntax=docker/dockerfile:1
# callgate container image. Targets:
#   runtime  (default)  callgate itself: production dependencies, dist/, the example policies; non-root.
#   examples            the example services of the local mesh (examples/): functions-http, mcp-tools,
#                       dev-oidc. Development only: it carries the dev dependencies (oidc-provider, MCP SDK).
# Build: docker build -t callgate:0.1.0 .   and   docker build --target examples -t callgate-examples:0.1.0 .
# Nothing is fetched at run time: everything the image needs is installed while it is built.

# Node 24 LTS ("Krypton"), pinned to a patch release. The build stage uses the full image: it has the
# compilers node-gyp falls back to when a native module (better-sqlite3) has no prebuilt binary.
FROM node:24.11.1-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# `npm ci` runs the package's `prepare` script, which is `npm run build` (generated proto types + tsc → dist/).
RUN npm ci --no-audit --no-fund

# Production dependencies only, native modules already built above.
FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM build AS examples
COPY examples ./examples
RUN npx tsc -p examples/tsconfig.json
USER node
ENV NODE_ENV=development
# docker-compose.yml picks the program per service; this default runs the HTTP function service.
CMD ["node", "dist/examples/functions-http/server.js"]

FROM node:24.11.1-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# callgate's base Cedar schema is read at run time (src/policy/load-bundle.ts looks next to dist/ and in src/).
COPY src/policy/base.cedarschema ./src/policy/base.cedarschema
COPY package.json ./
COPY bin ./bin
COPY policies ./policies
# The image's unprivileged `node` user (uid 1000); Kubernetes runs it with runAsNonRoot and a read-only root.
USER node
EXPOSE 9001 9002
# No curl in slim images: node itself asks /readyz (200 only once a bundle is serving and not draining).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9002/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Through bin/callgate.js, which sets V8 flags before any code runs (bin/v8-flags.js says why).
ENTRYPOINT ["node", "bin/callgate.js"]
CMD ["serve", "--listen-grpc", "0.0.0.0:9001", "--listen-http", "0.0.0.0:9002", "--policies", "/app/policies"]
