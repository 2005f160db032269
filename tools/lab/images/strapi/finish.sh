#!/bin/sh
# Lays a built application (first argument) into the image root ($ROOTFS) at the second argument
# (/opt/app by default), with the shared
# libraries that its native modules (sharp's prebuilt libvips) link and node itself does not.
set -eu
app=$1
dest=${2:-/opt/app}
mkdir -p "$ROOTFS$(dirname "$dest")"
cp -a "$app" "$ROOTFS$dest"
find "$app/node_modules" -type f \( -name '*.node' -o -name '*.so*' \) | while read -r module; do
  for lib in $(ldd "$module" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*'); do
    case $lib in "$app"/*) continue ;; esac
    [ -e "$ROOTFS$lib" ] || { mkdir -p "$ROOTFS$(dirname "$lib")" && cp -L "$lib" "$ROOTFS$lib"; }
  done
done
