// Lab images built locally from Debian binaries (no registry is reachable): a root filesystem
// with busybox and the binary plus the libraries it links, imported into each lab host's dockerd.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { $ } from 'zx';

export interface LabImage {
  /** Image reference, e.g. lab/busybox:1.35.0. */
  ref: string;
  /** Binaries from this machine, copied in (to /bin/<name>) with their shared libraries. */
  binaries: string[];
  entrypoint?: string[];
  /** Default command (CMD). */
  cmd?: string[];
}

// Each stands in for an upstream image through inventories/lab/inventory.yaml `images:`; the tag
// is the Debian package's upstream version.
export const labImages: LabImage[] = [
  { ref: 'lab/busybox:1.35.0', binaries: [], cmd: ['sh'] },
  { ref: 'lab/prometheus:2.42.0', binaries: ['/usr/bin/prometheus'], entrypoint: ['/bin/prometheus'], cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'] },
];

async function sharedLibraries(binary: string): Promise<string[]> {
  const out = (await $`ldd ${binary}`.quiet().nothrow()).stdout;
  return [...out.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1] ?? '').filter(Boolean);
}

// Builds the image's root filesystem as a tarball; returns its path.
async function buildRootfs(image: LabImage, dir: string): Promise<string> {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const d of ['tmp', 'etc', 'www', 'data', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = (await $`/bin/busybox --list`.quiet()).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  await $`sh -c ${`printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/:/bin/false\\n' > ${root}/etc/passwd; printf 'root:x:0:\\nnogroup:x:65534:\\n' > ${root}/etc/group`}`;
  for (const binary of image.binaries) {
    const own = join(root, 'bin', binary.split('/').pop()!);
    copyFileSync(binary, own);
    chmodSync(own, 0o755);
    for (const file of await sharedLibraries(binary)) {
      const target = join(root, file);
      if (existsSync(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      chmodSync(target, 0o755);
    }
  }
  const tar = join(dir, 'rootfs.tar');
  await $`tar -C ${root} -cf ${tar} .`;
  return tar;
}

// Imports every lab image that a host's dockerd lacks.
export async function ensureImages(dockerSocket: string, log: (line: string) => void, images = labImages): Promise<void> {
  const env = { ...process.env, DOCKER_HOST: `unix://${dockerSocket}` };
  for (const image of images) {
    if ((await $({ env })`docker image inspect ${image.ref}`.quiet().nothrow()).exitCode === 0) continue;
    log(`building ${image.ref} for ${dockerSocket}`);
    const dir = mkdtempSync(join(tmpdir(), 'homelab-image-'));
    try {
      const tar = await buildRootfs(image, dir);
      const changes = [
        ...(image.entrypoint ? ['--change', `ENTRYPOINT ${JSON.stringify(image.entrypoint)}`] : []),
        ...(image.cmd ? ['--change', `CMD ${JSON.stringify(image.cmd)}`] : []),
      ];
      await $({ env })`docker import ${changes} ${tar} ${image.ref}`.quiet();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
