#!/bin/sh
# A minimal Strapi application for the lab, made by Strapi's own scaffolding tool (create-strapi-app,
# from the npm registry) and built for production (`strapi build`: the TypeScript and the admin
# panel), once per machine: lab/strapi is made from it (tools/lab/src/app-images.ts). Run in the
# workspace root (its Node 22 in node_modules/.bin). Argument: the cache folder.
set -eu
out=${1:-/var/lib/lab/apps/strapi}
version=5.54.0
[ -f "$out/.built-$version" ] && exit 0
PATH="$(pwd)/node_modules/.bin:$PATH"
export PATH
rm -rf "$out" && mkdir -p "$out"
cd "$out"
# The database settings are the package's (compose.yaml gives them to the container at run time).
npx -y "create-strapi-app@$version" app --no-run --skip-cloud --ts --use-npm --install --no-example --no-git-init \
  --dbclient mysql --dbhost strapi-db --dbport 3306 --dbname strapi --dbusername strapi --dbpassword from-the-environment --dbssl false
cd app
# The scaffold's .env holds keys generated for it: the lab's come from the release, as in production.
rm -f .env
NODE_ENV=production npx strapi build
touch "$out/.built-$version"
