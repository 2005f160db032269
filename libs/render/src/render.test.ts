import { describe, expect, it } from 'vitest';
import { host, service } from '@homelab/model/testing';
import { parse } from 'yaml';
import {
  bindDirectories,
  releaseFiles,
  renderComposeObject,
  renderEnvFile,
  renderRelease,
  renderSystemdUnit,
  type RenderTarget,
} from './index.ts';

// The rendered compose text of a release.
const renderCompose = (svc: Parameters<typeof renderRelease>[0], target: RenderTarget) => renderRelease(svc, target, {}).compose;

const ocean = host('ocean', {
  gpu: { model: 'NVIDIA GeForce RTX 3090', vramMiB: 24576, count: 1 },
  uid: 1001,
  gid: 1002,
  timezone: 'Europe/Amsterdam',
});

const plex = service(
  'plex',
  {
    exposure: { port: 32400, domain: 'plex.terrac.com', access: 'plex-users' },
    gpu: { vramMiB: 2048, capabilities: ['compute', 'video', 'utility'], ldLibraryPathFix: true },
    secrets: ['PLEX_CLAIM'],
    puid: true,
  },
  {
    services: {
      plex: {
        image: 'plexinc/pms-docker:1.41.3.9314-a0bfb8370',
        ports: ['32400:32400'],
        environment: ['PLEX_CLAIM=${PLEX_CLAIM}', 'ADVERTISE_IP=http://${HOST_ADDRESS}:32400/'],
        volumes: ['${CONFIG_ROOT}/config:/config', '${DATA_ROOT}/media:/data:ro'],
        healthcheck: { test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:32400/identity'] },
      },
    },
  },
);

describe('render', () => {
  it('fills in host values, GPU, logging, restart, PUID/PGID and web_proxy', () => {
    expect(renderCompose(plex, { host: ocean, images: {} })).toMatchInlineSnapshot(`
      "# Rendered by homelab from packages/plex/compose.yaml for host ocean (inventory test).
      # Do not edit on the host: the next deploy replaces it.
      name: plex
      services:
        plex:
          image: plexinc/pms-docker:1.41.3.9314-a0bfb8370
          ports:
            - 32400:32400
          environment:
            PLEX_CLAIM: \${PLEX_CLAIM}
            ADVERTISE_IP: http://10.0.0.2:32400/
            TZ: Europe/Amsterdam
            PUID: "1001"
            PGID: "1002"
            NVIDIA_VISIBLE_DEVICES: all
            NVIDIA_DRIVER_CAPABILITIES: compute,video,utility
            LD_LIBRARY_PATH: /usr/lib/x86_64-linux-gnu:/usr/local/nvidia/lib:/usr/local/nvidia/lib64
          volumes:
            - /opt/appdata/plex/config:/config
            - /data01/media:/data:ro
          healthcheck:
            test:
              - CMD
              - curl
              - -fsS
              - http://127.0.0.1:32400/identity
          deploy:
            resources:
              reservations:
                devices:
                  - driver: nvidia
                    capabilities:
                      - gpu
                      - compute
                      - video
                      - utility
                    count: all
          restart: unless-stopped
          logging:
            driver: journald
            options:
              tag: plex/{{.Name}}
          labels:
            homelab.service: plex
            homelab.host: ocean
          networks:
            default:
            web_proxy:
      networks:
        web_proxy:
          external: true
          name: web_proxy
      "
    `);
  });

  it('applies image overrides and the host log driver', () => {
    const out = renderCompose(plex, {
      host: { ...ocean, logDriver: 'local' },
      images: { 'plexinc/pms-docker:1.41.3.9314-a0bfb8370': 'mirror.lan/plex:1.41.3' },
    });
    expect(out).toContain('image: mirror.lan/plex:1.41.3');
    expect(out).toContain('driver: local');
    expect(out).not.toContain('journald');
  });

  it('selects GPUs by index or UUID', () => {
    const svc = service('llm', { gpu: { vramMiB: 12000, devices: [1, 'GPU-2b7c1a9e-0000-4d4f-9a0e-1234567890ab'] } });
    const out = renderCompose(svc, { host: ocean, images: {} });
    expect(out).toContain('device_ids:\n                - "1"\n                - GPU-2b7c1a9e-0000-4d4f-9a0e-1234567890ab');
    expect(out).toContain('NVIDIA_VISIBLE_DEVICES: 1,GPU-2b7c1a9e-0000-4d4f-9a0e-1234567890ab');
  });

  it('is deterministic: same input, same bytes and hash', () => {
    const a = renderRelease(plex, { host: ocean, images: {} }, { PLEX_CLAIM: 'claim-abc' });
    const b = renderRelease(plex, { host: ocean, images: {} }, { PLEX_CLAIM: 'claim-abc' });
    expect(a).toEqual(b);
    expect(renderRelease(plex, { host: ocean, images: {} }, { PLEX_CLAIM: 'claim-xyz' }).hash).not.toBe(a.hash);
    expect(a.compose).not.toContain('claim-abc');
  });

  it('lists bind-mount directories under the data and config paths only', () => {
    expect(bindDirectories(renderComposeObject(plex, { host: ocean, images: {} }), ocean)).toEqual([
      '/data01/media',
      '/opt/appdata/plex/config',
    ]);
  });

  it('labels the containers that mount ./files with the files hash, so a changed file recreates them', () => {
    const svc = service(
      'prom',
      {},
      {
        services: {
          prom: {
            image: 'prom/prometheus:v2.55.1',
            volumes: ['./files/prometheus.yml:/etc/prometheus/prometheus.yml:ro'],
            healthcheck: { test: ['CMD', 'true'] },
          },
          other: { image: 'a/b:1', healthcheck: { test: ['CMD', 'true'] } },
        },
      },
    );
    const a = renderComposeObject({ ...svc, configFiles: { 'prometheus.yml': 'a: 1\n' } }, { host: ocean, images: {} });
    const b = renderComposeObject({ ...svc, configFiles: { 'prometheus.yml': 'a: 2\n' } }, { host: ocean, images: {} });
    const label = (c: typeof a, s: string) => (c.services[s] as unknown as { labels: Record<string, string> }).labels['homelab.files'];
    expect(label(a, 'prom')).toMatch(/^[0-9a-f]{16}$/);
    expect(label(b, 'prom')).not.toBe(label(a, 'prom'));
    expect(label(a, 'other')).toBeUndefined();
  });

  it('ships files/ with the release and hashes them', () => {
    const withFile = { ...plex, configFiles: { 'conf/app.yml': 'a: 1\n' } };
    const a = renderRelease(withFile, { host: ocean, images: {} }, {});
    expect(a.files).toEqual({ 'files/conf/app.yml': 'a: 1\n' });
    expect(renderRelease({ ...plex, configFiles: { 'conf/app.yml': 'a: 2\n' } }, { host: ocean, images: {} }, {}).hash).not.toBe(a.hash);
  });

  it('holds a secret file as secrets/<NAME> 0400 owned by its uid, and labels the services that mount it', () => {
    const svc = service(
      'am',
      { secrets: ['HOOK'], secretFiles: { HOOK: { uid: 65534 } } },
      {
        services: {
          am: { image: 'prom/alertmanager:v0.27.0', secrets: ['hook'], healthcheck: { test: ['CMD', 'true'] } },
          other: { image: 'a/b:1', healthcheck: { test: ['CMD', 'true'] } },
        },
        secrets: { hook: { file: './secrets/HOOK' } },
      },
    );
    const a = renderRelease(svc, { host: ocean, images: {} }, { HOOK: 'https://hook/1' });
    expect(releaseFiles(a).slice(3)).toEqual([{ name: 'secrets/HOOK', content: 'https://hook/1', mode: '0400', owner: 65534 }]);
    expect(a.compose).not.toContain('https://hook/1');
    expect(a.compose).toContain('secrets:\n  hook:\n    file: ./secrets/HOOK\n');
    const label = (r: typeof a, s: string) =>
      (parse(r.compose) as { services: Record<string, { labels: Record<string, string> }> }).services[s]!.labels['homelab.secrets'];
    expect(label(a, 'am')).toMatch(/^[0-9a-f]{16}$/);
    expect(label(a, 'other')).toBeUndefined();
    const rotated = renderRelease(svc, { host: ocean, images: {} }, { HOOK: 'https://hook/2' });
    expect(label(rotated, 'am')).not.toBe(label(a, 'am'));
    const owner = renderRelease(
      { ...svc, spec: { ...svc.spec, secretFiles: { HOOK: { uid: 999 } } } },
      { host: ocean, images: {} },
      { HOOK: 'https://hook/1' },
    );
    expect(owner.hash).not.toBe(a.hash);
  });

  it('holds a registry login as a Docker config (secrets/docker/config.json, 0400 root), not in compose', () => {
    const svc = service('tina', {
      secrets: ['REG_USER', 'REG_TOKEN'],
      registryLogin: { username: 'REG_USER', password: 'REG_TOKEN' },
    });
    const a = renderRelease(svc, { host: ocean, images: {} }, { REG_USER: 'me', REG_TOKEN: 'dckr_pat_x' });
    const config = releaseFiles(a).find((f) => f.name === 'secrets/docker/config.json');
    expect(config).toEqual({
      name: 'secrets/docker/config.json',
      content: `${JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('me:dckr_pat_x').toString('base64') } } }, null, 2)}\n`,
      mode: '0400',
      owner: 0,
    });
    expect(a.compose).not.toContain('dckr_pat_x');
    expect(renderRelease(svc, { host: ocean, images: {} }, { REG_USER: 'me', REG_TOKEN: 'dckr_pat_y' }).hash).not.toBe(a.hash);
    expect(releaseFiles(renderRelease(plex, { host: ocean, images: {} }, {})).map((f) => f.name)).not.toContain(
      'secrets/docker/config.json',
    );
  });

  it('writes secrets into .env only, quoted literally', () => {
    expect(renderEnvFile(['A', 'B', 'C'], { A: 'plain', B: "it's $HOME", C: 'two\nlines' })).toMatchInlineSnapshot(`
      "# Secrets of this release. Mode 0600; written by homelab over the SSH session, never on a command line.
      A='plain'
      B="it's \\$HOME"
      C="two\\nlines"
      "
    `);
  });

  it('renders a systemd unit that runs the current release', () => {
    expect(renderSystemdUnit(plex, ocean)).toMatchInlineSnapshot(`
      "[Unit]
      Description=homelab plex: plex service
      Requires=docker.service
      After=docker.service network-online.target
      Wants=network-online.target

      [Service]
      Type=oneshot
      RemainAfterExit=yes
      WorkingDirectory=/opt/homelab/plex/current
      ExecStart=/usr/bin/docker compose up -d --remove-orphans
      ExecStop=/usr/bin/docker compose down
      TimeoutStartSec=300

      [Install]
      WantedBy=multi-user.target
      "
    `);
  });
});
