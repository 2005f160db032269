// The command line's own checks: what it accepts is what the code behind it knows.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { appImageMap, appLabImages } from '@homelab/lab/apps';
import { repoRoot } from '@homelab/model/testing';
import { labApps } from './program.ts';

const homelab = (...args: string[]) => execa(process.execPath, [join(repoRoot, 'tools/cli/bin/homelab.js'), ...args], { reject: false });

describe('--apps (homelab up, homelab lab up)', () => {
  it('names exactly the lab application images there are, each mapped from its package image', () => {
    expect([...labApps].sort()).toEqual(Object.keys(appLabImages).sort());
    for (const app of labApps) expect(Object.values(appImageMap)).toContain(appLabImages[app]!.ref);
  });

  it('an unknown application is a usage error that lists the known ones, before anything runs', async () => {
    for (const args of [
      ['up', '--apps', 'strapi,wordpress'],
      ['lab', 'up', '--apps', 'nope'],
    ]) {
      const r = await homelab(...args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('a comma-separated list of strapi, payloadcms');
      expect(r.stdout).not.toContain('==> bringing up the lab');
    }
  });
});
