# Production image: the compiled server only (no tests, scripts or sources), no dev
# dependencies, no embedded databases. .dockerignore keeps the rest out of the build context.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY backend ./backend
# pages served from the package (/docs, /console, /demo) are plain HTML/CSS/JS in backend/**/public
# beside their module; tsc copies only what it compiles (npm run build does the same copy)
RUN npx tsc -p tsconfig.json && (cd backend && find . -type d -name public -exec cp -r --parents {} ../dist/backend/ \;)

FROM node:24-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/backend ./dist/backend
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:5000/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/backend/server.js"]
