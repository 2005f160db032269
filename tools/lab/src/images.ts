// Lab images built locally from Debian binaries (no registry is reachable): a root filesystem
// with busybox and the binary plus the libraries it links, imported into each lab host's dockerd.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { $ } from 'zx';

export interface LabImage {
  /** Image reference, e.g. lab/busybox:1.35.0. */
  ref: string;
  /** Binaries from this machine, copied in (to /bin/<name>) with their shared libraries. */
  binaries: string[];
  entrypoint?: string[];
  /** Default command (CMD). */
  cmd?: string[];
  /** Files copied in: path in the image -> path relative to the workspace root. */
  files?: Record<string, string>;
  /** Run in the workspace root before the image is built (e.g. a bundle step). */
  prepare?: string[];
  /** Extra names for the copied binaries: path in the image -> binary name in /bin (or an absolute path). */
  links?: Record<string, string>;
  /** Empty directories the program expects. */
  dirs?: string[];
  /** Run after the root filesystem is laid out, with ROOTFS set to it (e.g. to generate a key). */
  finish?: string[];
}

// Each stands in for an upstream image through inventories/lab/inventory.yaml `images:`; the tag
// is the Debian package's upstream version.
export const labImages: LabImage[] = [
  { ref: 'lab/busybox:1.35.0', binaries: [], cmd: ['sh'] },
  {
    ref: 'lab/prometheus:2.42.0',
    binaries: ['/usr/bin/prometheus'],
    entrypoint: ['/bin/prometheus'],
    cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'],
  },
  {
    ref: 'lab/alertmanager:0.25.0-1',
    binaries: ['/usr/bin/prometheus-alertmanager'],
    links: { '/bin/alertmanager': 'prometheus-alertmanager' },
    // Debian's build reads its notification templates from here.
    files: {
      '/usr/share/prometheus/alertmanager/default.tmpl': '/usr/share/prometheus/alertmanager/default.tmpl',
      '/usr/share/prometheus/alertmanager/email.tmpl': '/usr/share/prometheus/alertmanager/email.tmpl',
    },
    dirs: ['/alertmanager', '/etc/alertmanager'],
    entrypoint: ['/bin/alertmanager'],
    cmd: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
  },
  {
    ref: 'lab/node-exporter:1.5.0',
    binaries: ['/usr/bin/prometheus-node-exporter'],
    links: { '/bin/node_exporter': 'prometheus-node-exporter' },
    entrypoint: ['/bin/node_exporter'],
  },
  {
    ref: 'lab/blackbox-exporter:0.23.0',
    binaries: ['/usr/bin/prometheus-blackbox-exporter'],
    links: { '/bin/blackbox_exporter': 'prometheus-blackbox-exporter' },
    dirs: ['/etc/blackbox'],
    entrypoint: ['/bin/blackbox_exporter'],
  },
  {
    // Debian's nginx-light (stub_status included) with the paths it was built with.
    ref: 'lab/nginx:1.22.1',
    binaries: ['/usr/sbin/nginx'],
    files: { '/etc/nginx/mime.types': '/etc/nginx/mime.types' },
    dirs: [
      '/var/log/nginx',
      '/var/lib/nginx/body',
      '/var/lib/nginx/proxy',
      '/var/lib/nginx/fastcgi',
      '/var/lib/nginx/uwsgi',
      '/var/lib/nginx/scgi',
      '/run',
      '/var/lock',
      '/etc/nginx/conf.d',
      '/usr/share/nginx/html',
    ],
    cmd: ['nginx', '-g', 'daemon off;'],
  },
  {
    // Debian's BIND 9 (statistics channel with JSON), with an rndc key of its own.
    ref: 'lab/bind9:9.18.49',
    binaries: ['/usr/sbin/named', '/usr/sbin/rndc'],
    dirs: ['/etc/bind', '/var/cache/bind', '/run/named', '/var/lib/bind'],
    finish: ['sh', '-c', 'rndc-confgen -a -c "$ROOTFS/etc/bind/rndc.key"'],
    entrypoint: ['/bin/named', '-g', '-c', '/etc/bind/named.conf'],
  },
  {
    // Debian's Redis, for the catalog's Redis sidecars (redis:7.4-alpine upstream).
    ref: 'lab/redis:7.0.15',
    binaries: ['/usr/bin/redis-server', '/usr/bin/redis-cli'],
    dirs: ['/data'],
    cmd: ['redis-server'],
  },
  {
    // Debian's MariaDB, for the catalog's MariaDB (and MySQL) databases, with an entrypoint and a
    // healthcheck.sh that take the official image's variables and checks (tools/lab/images/mariadb).
    ref: 'lab/mariadb:10.11.19-2',
    binaries: [
      '/usr/sbin/mariadbd',
      '/usr/bin/mariadb',
      '/usr/bin/mariadb-admin',
      // Backups dump the databases inside their containers (homelab backup run), as the upstream images can.
      '/usr/bin/mariadb-dump',
      '/usr/bin/my_print_defaults',
      '/usr/bin/mariadb-install-db',
      'tools/lab/images/mariadb/docker-entrypoint.sh',
      'tools/lab/images/mariadb/healthcheck.sh',
    ],
    // mariadb-install-db looks for the server and my_print_defaults where Debian installs them.
    links: {
      '/usr/sbin/mariadbd': '/bin/mariadbd',
      '/usr/bin/my_print_defaults': '/bin/my_print_defaults',
      '/bin/mysql': 'mariadb',
      '/bin/mysqladmin': 'mariadb-admin',
      '/bin/mysqldump': 'mariadb-dump',
    },
    dirs: ['/var/lib/mysql', '/run/mysqld'],
    // System-table SQL, character sets and error messages.
    finish: ['sh', '-c', 'mkdir -p "$ROOTFS/usr/share" && cp -a /usr/share/mysql "$ROOTFS/usr/share/mysql"'],
    entrypoint: ['/bin/docker-entrypoint.sh'],
    cmd: ['mariadbd'],
  },
  {
    // Debian's PostgreSQL 15, for PayloadCMS's database (postgres:16-alpine upstream), with an entrypoint
    // that takes the official image's variables (tools/lab/images/postgres).
    ref: 'lab/postgres:15.18',
    binaries: ['tools/lab/images/postgres/docker-entrypoint.sh'],
    dirs: ['/var/lib/postgresql/data', '/var/run/postgresql'],
    finish: ['sh', 'tools/lab/images/postgres/finish.sh'],
    entrypoint: ['/bin/docker-entrypoint.sh'],
    cmd: ['postgres'],
  },
  {
    // Pi-hole's DNS side (FTL is dnsmasq) on Debian's dnsmasq, with dig for its checks
    // (tools/lab/images/pihole/entrypoint.sh). It stands in for pihole/pihole in DNS-only lab tests.
    ref: 'lab/pihole-dns:2.90',
    binaries: ['/usr/sbin/dnsmasq', '/usr/bin/dig', 'tools/lab/images/pihole/entrypoint.sh'],
    dirs: ['/etc/dnsmasq.d', '/etc/pihole'],
    entrypoint: ['/bin/entrypoint.sh'],
  },
  {
    // packages/log-anomaly-detector on the Node 22 binary of node_modules (the upstream image is node:22).
    ref: 'lab/log-anomaly-detector:1.0.0',
    binaries: ['node_modules/node/bin/node'],
    prepare: ['npm', 'run', 'build', '-w', 'packages/log-anomaly-detector'],
    files: { '/app/main.mjs': 'packages/log-anomaly-detector/files/app/main.mjs' },
    entrypoint: ['/bin/node', '/app/main.mjs'],
  },
];

async function sharedLibraries(binary: string): Promise<string[]> {
  const out = (await $`ldd ${binary}`.quiet().nothrow()).stdout;
  return [...out.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1] ?? '').filter(Boolean);
}

// Builds the image's root filesystem as a tarball; returns its path. `workspace` resolves relative paths.
async function buildRootfs(image: LabImage, dir: string, workspace: string): Promise<string> {
  const rootfs = join(dir, 'root');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['tmp', 'etc', 'www', 'data', 'proc', 'sys', 'dev']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  const applets = (await $`/bin/busybox --list`.quiet()).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  for (const d of image.dirs ?? []) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\n',
  );
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nwww-data:x:33:\n');
  for (const [target, source] of Object.entries(image.files ?? {})) {
    mkdirSync(join(rootfs, dirname(target)), { recursive: true });
    copyFileSync(resolve(workspace, source), join(rootfs, target));
  }
  for (const bin of image.binaries) {
    const binary = resolve(workspace, bin);
    const own = join(rootfs, 'bin', binary.split('/').pop()!);
    copyFileSync(binary, own);
    chmodSync(own, 0o755);
    for (const file of await sharedLibraries(binary)) {
      const target = join(rootfs, file);
      if (existsSync(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      chmodSync(target, 0o755);
    }
  }
  for (const [link, name] of Object.entries(image.links ?? {})) {
    mkdirSync(dirname(join(rootfs, link)), { recursive: true });
    rmSync(join(rootfs, link), { force: true });
    symlinkSync(name, join(rootfs, link));
  }
  if (image.finish) await $({ env: { ...process.env, ROOTFS: rootfs } })`${image.finish}`.quiet();
  const tar = join(dir, 'rootfs.tar');
  await $`tar -C ${rootfs} -cf ${tar} .`;
  return tar;
}

// The images a lab host's dockerd does not have yet.
async function missingImages(dockerSocket: string, images = labImages): Promise<LabImage[]> {
  const env = { ...process.env, DOCKER_HOST: `unix://${dockerSocket}` };
  const have = new Set((await $({ env })`docker images --format ${'{{.Repository}}:{{.Tag}}'}`.quiet()).stdout.split('\n'));
  return images.filter((image) => !have.has(image.ref));
}

// Imports every image that a host's dockerd lacks; each is prepared (e.g. a bundle step, in `workspace`)
// and built once, for all the hosts that lack it: a lab whose images exist needs nothing from the workspace.
export async function ensureImages(
  dockerSockets: string[],
  workspace: string,
  log: (line: string) => void,
  images = labImages,
): Promise<void> {
  const missing = await Promise.all(dockerSockets.map((socket) => missingImages(socket, images)));
  for (const image of images) {
    const lacking = dockerSockets.filter((_, i) => missing[i]?.includes(image));
    if (!lacking.length) continue;
    if (image.prepare) {
      log(`preparing ${image.ref}: ${image.prepare.join(' ')}`);
      await $({ cwd: workspace })`${image.prepare}`.quiet();
    }
    log(`building ${image.ref} for ${lacking.join(', ')}`);
    const dir = mkdtempSync(join(tmpdir(), 'homelab-image-'));
    try {
      const tar = await buildRootfs(image, dir, workspace);
      const changes = [
        ...(image.entrypoint ? ['--change', `ENTRYPOINT ${JSON.stringify(image.entrypoint)}`] : []),
        ...(image.cmd ? ['--change', `CMD ${JSON.stringify(image.cmd)}`] : []),
      ];
      // Every import ends before the tarball goes; the first failure is the one reported.
      const imports = await Promise.allSettled(
        lacking.map((socket) =>
          $({ env: { ...process.env, DOCKER_HOST: `unix://${socket}` } })`docker import ${changes} ${tar} ${image.ref}`.quiet(),
        ),
      );
      const failed = imports.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
