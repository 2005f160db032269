// Strapi from source in the lab: a minimal application scaffolded by Strapi's own tool
// (create-strapi-app, from the npm registry) and built into lab/strapi (tools/lab/src/app-images.ts),
// deployed as the strapi package (its compose file, its MariaDB, its secrets) through the real deploy
// path, its health gate included (Strapi's /_health 204 and the database login), then its own
// health test run again. The image build takes minutes on two cores, so this runs only on request:
//   HOMELAB_LAB_APPS=strapi flock /tmp/homelab-lab.lock npx vitest run tools/cli/src/cms-apps.lab.test.ts
// (the image is built once per machine; later runs deploy in about a minute).
// PayloadCMS likewise (HOMELAB_LAB_APPS=payloadcms, or both: strapi,payloadcms): a minimal application
// made by create-next-app and create-payload-app. Its PostgreSQL alone (Debian's, lab/postgres),
// deployed from the package's compose file with the package's own database probe, runs in the
// default suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUp } from '@homelab/lab';
import { appImageMap, ensureAppImages } from '@homelab/lab/apps';
import { SshExecutor } from '@homelab/host';
import { probeOnce } from '@homelab/health';
import { probeTarget } from '@homelab/deploy';
import { repoRoot } from '@homelab/model/testing';
import { deployParts, execProbe, labPart, removeParts } from './lab-parts.ts';
import { loadWorkspace } from './workspace.ts';

const apps = (process.env.HOMELAB_LAB_APPS ?? '').split(',').filter(Boolean);
const { workspace } = await loadWorkspace('lab', repoRoot);
// The lab inventory with the application images mapped to the lab's builds.
const inventory = { ...workspace.inventory, images: { ...workspace.inventory.images, ...appImageMap } };
const ocean = inventory.hosts.ocean!;

// One application built from source: its lab image (built on request, once per machine), the package
// deployed through the real path (health gate included), its own health test again, then `check`.
function fromSource(name: string, check: () => Promise<void>): void {
  describe.runIf(apps.includes(name))(`${name} built from source, with its database, in the lab`, () => {
    const svc = workspace.services.find((s) => s.name === name)!;
    beforeAll(async () => {
      await labUp(repoRoot, () => {});
      await ensureAppImages([name], repoRoot, () => {});
      await removeParts([svc], inventory);
    }, 1_800_000);
    afterAll(() => removeParts([svc], inventory));

    it('deploys through the real path and passes its own health test', async () => {
      const [result] = await deployParts([svc], inventory);
      expect(result?.result, result?.message).toBe('deployed');
      const seen = await probeOnce(svc.spec.health, probeTarget(ocean, new SshExecutor(ocean), name));
      expect(seen).toHaveLength(svc.spec.health.probes.length);
      await check();
    }, 600_000);
  });
}

fromSource('strapi', async () => {
  const health = await fetch('http://10.231.0.2:1337/_health');
  expect(health.status).toBe(204);
  // Strapi itself answers, with its own routes: the admin panel built into the image.
  const admin = await fetch('http://10.231.0.2:1337/admin', { redirect: 'manual' });
  expect(admin.status).toBe(200);
  expect(await admin.text()).toMatch(/strapi/i);
});

fromSource('payloadcms', async () => {
  // The users table exists (the migration ran at start) and holds no user yet.
  const init = await fetch('http://10.231.0.2:3010/api/users/init');
  expect(await init.json()).toEqual({ initialized: false });
});

describe('payloadcms: its PostgreSQL deployed from the package, its own database probe passing', () => {
  const part = labPart(workspace.services.find((s) => s.name === 'payloadcms')!, ['payloadcms-db']);
  beforeAll(async () => {
    await labUp(repoRoot, () => {});
    await removeParts([part], inventory);
  }, 300_000);
  afterAll(() => removeParts([part], inventory));

  it('deploys through the real path (health gate: the probe) and answers as the application user, with its password', async () => {
    const [result] = await deployParts([part], inventory);
    expect(result?.result, result?.message).toBe('deployed');
    const probe = execProbe(part, 'payloadcms-db');
    const seen = await probeOnce({ ...part.spec.health, probes: [probe] }, probeTarget(ocean, new SshExecutor(ocean), part.name));
    expect(seen.join('\n')).toMatch(/payload$/);
  }, 300_000);
});
