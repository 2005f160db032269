import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalExecutor } from '@homelab/host';
import { host, inventory, service, simpleCompose } from '@homelab/model/testing';
import { composeConfigIssues, normalisedIssues } from './validate.ts';

const inv = inventory([host('ocean'), host('dns01')]);

describe('what Compose makes of the rendered release', () => {
  it('a variable Compose would blank, and a host port it publishes that another service on the host uses', () => {
    const sonarr = service(
      'sonarr',
      {},
      {
        services: { sonarr: { image: 'a/b:1', ports: ['8989:8989', '127.0.0.1:8990:80'], healthcheck: { test: ['CMD', 'true'] } } },
      },
    );
    const onDns = service('dnsapp', { host: 'dns01' }, simpleCompose('dnsapp', 9000));
    const app = service('app');
    const config = {
      services: {
        app: {
          ports: [
            { published: '8989', protocol: 'tcp', target: 80 },
            { published: '9000-9001', protocol: 'tcp' },
            // the same port as sonarr's, but only on another address of the host: no clash
            { published: '8990', protocol: 'tcp', host_ip: '127.0.0.2' },
          ],
        },
      },
    };
    const stderr =
      'time="2026-11-26T17:09:30Z" level=warning msg="The \\"UNSET_VAR\\" variable is not set. Defaulting to a blank string."\n';
    expect(normalisedIssues(app, inv, [app, sonarr, onDns], config, stderr)).toEqual([
      {
        file: 'packages/app/compose.yaml',
        path: '',
        message: '$UNSET_VAR is not set when the release is rendered: Compose would deploy a blank',
        hint: 'name it in secrets of packages/app/service.ts, or give it a default: ${UNSET_VAR:-value}',
      },
      {
        file: 'packages/app/compose.yaml',
        path: 'services.app.ports',
        message: 'Compose publishes host port 8989/tcp on ocean, which service "sonarr" also publishes (packages/sonarr/compose.yaml)',
        hint: 'pick a free host port',
      },
    ]);
  });

  it('runs the real docker compose config on the rendered release: a clean service has no issue', async () => {
    const app = service('app');
    expect(await composeConfigIssues(app, inv, new LocalExecutor({ env: process.env as Record<string, string> }), [app])).toEqual([]);
  });

  it('what Compose said about a release is kept by the hash of its files: the same release is not checked twice', async () => {
    const root = mkdtempSync(join(tmpdir(), 'homelab-cache-'));
    mkdirSync(join(root, 'node_modules'));
    try {
      const app = { ...service('app'), dir: join(root, 'packages', 'app') };
      const local = new LocalExecutor({ env: process.env as Record<string, string> });
      let runs = 0;
      const counting = {
        ...local,
        host: local.host,
        run: (argv: readonly string[], o?: object) => {
          runs++;
          return local.run(argv, o);
        },
      };
      expect(await composeConfigIssues(app, inv, counting as LocalExecutor, [app])).toEqual([]);
      expect(await composeConfigIssues(app, inv, counting as LocalExecutor, [app])).toEqual([]);
      expect(runs).toBe(1);
      const changed = service('app', {}, simpleCompose('app', 8081));
      expect(await composeConfigIssues({ ...changed, dir: app.dir }, inv, counting as LocalExecutor, [changed])).toEqual([]);
      expect(runs).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
