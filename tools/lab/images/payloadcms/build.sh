#!/bin/bash
# A minimal PayloadCMS application for the lab, made by the frameworks' own tools from the npm
# registry and built for production (Next.js standalone output, as Payload's Docker instructions
# have it), once per machine: lab/payloadcms is made from it (tools/lab/src/app-images.ts). Run in the
# workspace root (its Node 22 in node_modules/.bin). Argument: the cache folder.
# create-payload-app's templates come from GitHub, which this machine cannot reach; in an existing
# Next.js project (create-next-app, whose template is in its npm package) it installs Payload from the
# registry instead. It asks once whether to (on a terminal: `script` gives it one).
set -euo pipefail
out=${1:-/var/lib/lab/apps/payloadcms}
next=16.4.3
payload=3.90.2
[ -f "$out/.built-$payload" ] && exit 0
PATH="$(pwd)/node_modules/.bin:$PATH"
export PATH NEXT_TELEMETRY_DISABLED=1
rm -rf "$out" && mkdir -p "$out"
cd "$out"
npx -y "create-next-app@$next" app --ts --app --no-eslint --no-tailwind --no-src-dir --no-turbopack --import-alias "@/*" --use-npm --skip-install --yes
cd app
# Payload refuses a top-level layout in app/: the starter page moves to a route group (and goes, below).
mkdir -p "app/(app)" && mv app/*.* "app/(app)/"
mkfifo ../answers
(sleep 10 && printf 'y\r' && exec sleep 900) > ../answers &
feeder=$!
script -qfec "npx -y create-payload-app@$payload --db postgres --db-connection-string postgres://payload@payloadcms-db:5432/payload --use-npm --no-agent" /dev/null < ../answers > ../create-payload-app.log 2>&1
kill "$feeder" 2>/dev/null || true
[ -d node_modules/payload ] || { tail -20 ../create-payload-app.log >&2; exit 1; }
# An API-only CMS: no pages prerendered from the database at build time (none is reachable then).
rm -rf "app/(app)" "app/(frontend)" .env
# ES modules (as Payload's own templates), the standalone output its Docker instructions use, and the
# schema as a migration run at start (prodMigrations): Payload pushes a schema in development only.
sed -i 's/"private": true,/"private": true,\n  "type": "module",/' package.json
sed -i 's|const nextConfig: NextConfig = {|const nextConfig: NextConfig = {\n  output: "standalone",|' next.config.ts
DATABASE_URL=postgres://unused@127.0.0.1:1/unused PAYLOAD_SECRET=build npx payload migrate:create initial
sed -i 's|^import sharp from "sharp";|import sharp from "sharp";\nimport { migrations } from "./migrations";|; s|db: postgresAdapter({|db: postgresAdapter({\n    prodMigrations: migrations,|' payload.config.ts
DATABASE_URL=postgres://unused@127.0.0.1:1/unused PAYLOAD_SECRET=build npx next build
cp -r .next/static .next/standalone/.next/static
cp -r public .next/standalone/public
touch "$out/.built-$payload"
