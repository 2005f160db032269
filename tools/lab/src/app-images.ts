// Lab images of applications built from source by their own scaffolding tools (Strapi, PayloadCMS,
// from the npm registry): heavy builds (minutes on two cores, hundreds of MB of node_modules), so they
// are in neither `homelab lab up` nor the default test suite. Built on request, once per machine (the
// built application is cached under /var/lib/lab/apps, the image in the lab ocean's dockerd):
//   flock /tmp/homelab-lab.lock npx tsx tools/lab/src/app-images.ts strapi
// The lab inventory does not map the packages' images to them (a plain `homelab up` would otherwise
// deploy applications whose image is not built); appImageMap is that mapping, for the lab test
// (tools/cli/src/cms-apps.lab.test.ts, HOMELAB_LAB_APPS=strapi) and for a deploy by hand.
import { fileURLToPath } from 'node:url';
import { ensureImages, type LabImage } from './images.ts';
import { labHost } from './layout.ts';

const cache = '/var/lib/lab/apps';

export const appLabImages: Record<string, LabImage> = {
  strapi: {
    // Strapi 5.54.0 (the newest whose packages are all on the registry here), on the Node 22 of node_modules.
    ref: 'lab/strapi:5.54.0',
    binaries: ['node_modules/node/bin/node'],
    prepare: ['sh', 'tools/lab/images/strapi/build.sh', `${cache}/strapi`],
    finish: ['sh', 'tools/lab/images/strapi/finish.sh', `${cache}/strapi/app`],
    // `npm run start` of the scaffold, in the application's folder as the package's Dockerfile has it.
    entrypoint: ['/bin/sh', '-c', 'cd /opt/app && exec /bin/node node_modules/@strapi/strapi/bin/strapi.js start'],
  },
  payloadcms: {
    // Payload 3.90.2 on Next.js 16.4.3 (standalone server), on the Node 22 of node_modules.
    ref: 'lab/payloadcms:3.90.2',
    binaries: ['node_modules/node/bin/node'],
    prepare: ['bash', 'tools/lab/images/payloadcms/build.sh', `${cache}/payloadcms`],
    finish: ['sh', 'tools/lab/images/strapi/finish.sh', `${cache}/payloadcms/app/.next/standalone`, '/app'],
    // The package's Dockerfile: `node server.js` in /app.
    entrypoint: ['/bin/sh', '-c', 'cd /app && exec /bin/node server.js'],
  },
};

/** The packages' images -> the lab images standing in for them. */
export const appImageMap: Record<string, string> = {
  'homelab/strapi:1.0.0': 'lab/strapi:5.54.0',
  'homelab/payloadcms:1.0.0': 'lab/payloadcms:3.90.2',
};

// Builds the named application images the lab ocean lacks (prepare: scaffold and build, once per machine).
export async function ensureAppImages(names: string[], workspace: string, log: (line: string) => void): Promise<void> {
  const unknown = names.filter((n) => !appLabImages[n]);
  if (unknown.length) throw new Error(`no lab application image ${unknown.join(', ')}; one of: ${Object.keys(appLabImages).join(', ')}`);
  await ensureImages(
    [labHost('ocean', '10.231.0.2').dockerSocket],
    workspace,
    log,
    names.map((n) => appLabImages[n]!),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  const started = Date.now();
  await ensureAppImages(names.length ? names : Object.keys(appLabImages), process.cwd(), (line) => console.log(line));
  console.log(`lab application images ready in ${Math.round((Date.now() - started) / 1000)} s`);
}
