#!/bin/sh
# Debian's PostgreSQL 15 tree (binaries, extension libraries, share files: where its binaries look
# for them), the shared libraries they link, and the postgres user, laid into the image root ($ROOTFS).
set -eu
mkdir -p "$ROOTFS/usr/lib/postgresql" "$ROOTFS/usr/share/postgresql" "$ROOTFS/var/lib/postgresql"
cp -a /usr/lib/postgresql/15 "$ROOTFS/usr/lib/postgresql/15"
cp -a /usr/share/postgresql/15 "$ROOTFS/usr/share/postgresql/15"
mkdir -p "$ROOTFS/usr/share/zoneinfo" && cp -a /usr/share/zoneinfo/Etc "$ROOTFS/usr/share/zoneinfo/Etc"
for f in /usr/lib/postgresql/15/bin/* /usr/lib/postgresql/15/lib/*.so; do
  for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*'); do
    [ -e "$ROOTFS$lib" ] || { mkdir -p "$ROOTFS$(dirname "$lib")" && cp -L "$lib" "$ROOTFS$lib"; }
  done
done
for b in postgres initdb pg_ctl psql pg_isready pg_dump; do ln -sf "/usr/lib/postgresql/15/bin/$b" "$ROOTFS/bin/$b"; done
echo 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh' >> "$ROOTFS/etc/passwd"
echo 'postgres:x:999:' >> "$ROOTFS/etc/group"
