import { describe, expect, it } from 'vitest';
import { host, inventory, service, simpleCompose } from './testing/fixtures.ts';
import { placement } from './placement.ts';
import {
  checkService,
  dependenciesExist,
  domainsUnique,
  probesReachable,
  exposedOnWebProxy,
  gpuHost,
  healthchecksPresent,
  hostExists,
  hostNetworkConsistent,
  imagesPinned,
  inventoryImagesNamed,
  namedComposeServicesExist,
  registryLoginSecretsDeclared,
  noPortClash,
  secretFilesDeclared,
  variablesDeclared,
  webProxyNotRedefined,
} from './rules.ts';

const inv = inventory([
  host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } }),
  host('dns01'),
  host('node005', { docker: false }),
]);

describe('rules', () => {
  it('a well-formed service passes every rule', () => {
    const svc = service('web');
    expect(checkService(svc, inv, [svc])).toEqual([]);
  });

  it('inventoryImagesNamed: a private image the inventory names must be pinned; one it does not name yet is skipped, with the line to add', () => {
    const compose = { services: { web: { ...simpleCompose('web').services.web!, image: 'private/web:from-inventory' } } };
    const svc = service('web', { imagesFromInventory: { web: "the user's private web image" } }, compose);
    const at = { ...inv, dir: '/repo/inventories/production', name: 'production', production: true };
    expect(inventoryImagesNamed(svc, at, [])).toEqual([]);
    expect(placement(svc, at)).toEqual({
      kind: 'unrunnable',
      why: `it needs the user's private web image, and inventories/production/inventory.yaml does not name it yet: add under images:  "private/web:from-inventory": <repository>:<tag> (e.g. youruser/web:1.0.0)`,
    });
    const latest = { ...at, images: { 'private/web:from-inventory': 'me/web:latest' } };
    expect(inventoryImagesNamed(svc, latest, [])).toEqual([
      {
        file: 'inventories/production/inventory.yaml',
        path: 'images["private/web:from-inventory"]',
        message: `web's image "me/web:latest" uses the "latest" tag`,
        hint: 'pin a released version: "private/web:from-inventory": me/web:1.2.3',
      },
    ]);
    const pinned = { ...at, images: { 'private/web:from-inventory': 'me/web:2.1.0' } };
    expect(inventoryImagesNamed(svc, pinned, [])).toEqual([]);
    expect(placement(svc, pinned)).toEqual({ kind: 'placed' });
    expect(inventoryImagesNamed(service('web'), at, [])).toEqual([]);
  });

  it('registryLoginSecretsDeclared: the login names secrets of the service', () => {
    const login = { username: 'REG_USER', password: 'REG_TOKEN' };
    expect(registryLoginSecretsDeclared(service('web', { secrets: ['REG_USER', 'REG_TOKEN'], registryLogin: login }), inv, [])).toEqual([]);
    expect(registryLoginSecretsDeclared(service('web', { secrets: ['REG_USER'], registryLogin: login }), inv, [])).toEqual([
      expect.objectContaining({ path: 'registryLogin.password', message: '"REG_TOKEN" is not one of the service\'s secrets' }),
    ]);
  });

  it('imagesPinned rejects latest and untagged images, accepts tags and digests', () => {
    const latest = service('web', {}, { services: { web: { ...simpleCompose('web').services.web!, image: 'nginx:latest' } } });
    const untagged = service(
      'web',
      {},
      { services: { web: { ...simpleCompose('web').services.web!, image: 'registry:5000/team/nginx' } } },
    );
    const digest = service('web', {}, { services: { web: { ...simpleCompose('web').services.web!, image: 'nginx@sha256:abc' } } });
    expect(imagesPinned(latest, inv, [])).toEqual([
      expect.objectContaining({
        file: 'packages/web/compose.yaml',
        path: 'services.web.image',
        message: 'image "nginx:latest" uses the "latest" tag',
      }),
    ]);
    expect(imagesPinned(untagged, inv, [])[0]?.message).toBe('image "registry:5000/team/nginx" has no tag (it means "latest")');
    expect(imagesPinned(digest, inv, [])).toEqual([]);
  });

  it('healthchecksPresent wants a healthcheck test that is not disabled', () => {
    const none = service('web', {}, { services: { web: { image: 'a/b:1' } } });
    const disabled = service('web', {}, { services: { web: { image: 'a/b:1', healthcheck: { test: ['NONE'], disable: true } } } });
    expect(healthchecksPresent(none, inv, [])).toEqual([
      expect.objectContaining({ path: 'services.web.healthcheck', message: 'no healthcheck' }),
    ]);
    expect(healthchecksPresent(disabled, inv, [])).toHaveLength(1);
    const none2 = service('web', {}, { services: { web: { image: 'a/b:1', healthcheck: { test: ['NONE'] } } } });
    expect(healthchecksPresent(none2, inv, [])).toHaveLength(1);
    const exempt = service(
      'web',
      { healthcheckExemptions: { web: 'a static binary without a shell or port' } },
      { services: { web: { image: 'a/b:1' } } },
    );
    expect(healthchecksPresent(exempt, inv, [])).toEqual([]);
  });

  it('hostExists names the inventory and the hosts to choose from, and refuses hosts without Docker', () => {
    expect(hostExists(service('web', { host: 'nowhere' }), inv, [])[0]).toMatchObject({
      file: 'packages/web/service.ts',
      path: 'host',
      message: 'host "nowhere" is not in inventory "test"',
      hint: 'use one of: ocean, dns01, node005',
    });
    expect(hostExists(service('web', { host: 'node005' }), inv, [])[0]?.message).toContain('runs no Docker');
  });

  it('gpuHost keeps GPU services off hosts without a GPU', () => {
    const svc = service('llm', { host: 'dns01', gpu: { vramMiB: 1000 } });
    expect(gpuHost(svc, inv, [])).toEqual([
      expect.objectContaining({
        path: 'gpu',
        message: 'needs a GPU but host "dns01" has none (inventories/test/dns01/host.yaml has no gpu)',
      }),
    ]);
    expect(gpuHost(service('llm', { gpu: { vramMiB: 1000 } }), inv, [])).toEqual([]);
  });

  it('noPortClash finds a port used by another service on the same host, not on another host', () => {
    const a = service('a', {}, simpleCompose('a', 8080));
    const b = service('b', {}, simpleCompose('b', 8080));
    const c = service('c', { host: 'dns01' }, simpleCompose('c', 8080));
    expect(noPortClash(a, inv, [a, b, c])).toEqual([
      expect.objectContaining({
        file: 'packages/a/compose.yaml',
        path: 'services.a.ports',
        message: 'host port 8080/tcp on ocean is also published by service "b" (packages/b/compose.yaml)',
      }),
    ]);
    expect(noPortClash(c, inv, [a, b, c])).toEqual([]);
  });

  it('noPortClash reads a port given with a default as the port it publishes', () => {
    const a = service('a', {}, simpleCompose('a', 8989));
    const b = service(
      'b',
      {},
      { services: { b: { image: 'a/b:1', ports: ['${EXTRA_PORT:-8989}:80'], healthcheck: { test: ['CMD', 'true'] } } } },
    );
    expect(noPortClash(b, inv, [a, b]).map((i) => i.message)).toEqual([
      'host port 8989/tcp on ocean is also published by service "a" (packages/a/compose.yaml)',
    ]);
  });

  it('domainsUnique: one public domain, one service', () => {
    const a = service('a', { exposure: { port: 80, domain: 'media.terrac.com' } });
    const b = service('b', { exposure: { port: 80, domain: 'media.terrac.com' } });
    const c = service('c', { exposure: { port: 80, domain: 'other.terrac.com' } });
    expect(domainsUnique(a, inv, [a, b, c])).toEqual([
      {
        file: 'packages/a/service.ts',
        path: 'exposure.domain',
        message: 'media.terrac.com is also the domain of service "b" (packages/b/service.ts)',
        hint: 'give each service its own domain',
      },
    ]);
    expect(domainsUnique(c, inv, [a, b, c])).toEqual([]);
  });

  it('noPortClash allows the same port on different protocols and finds a port published twice in one file', () => {
    const dns = service(
      'dns',
      {},
      {
        services: {
          dns: { image: 'a/b:1', ports: ['53:53/udp', '53:53/tcp', '8053:53', '8053:54'], healthcheck: { test: ['CMD', 'true'] } },
        },
      },
    );
    expect(noPortClash(dns, inv, [dns]).map((i) => i.message)).toEqual(['host port 8053/tcp is published twice (also by dns)']);
  });

  it('namedComposeServicesExist checks exposure, gpu and container probes', () => {
    const svc = service('web', {
      exposure: { service: 'frontend', port: 80 },
      gpu: { service: 'worker', vramMiB: 10 },
      health: { probes: [{ type: 'container', service: 'db' }] },
    });
    expect(namedComposeServicesExist(svc, inv, []).map((i) => i.path)).toEqual([
      'exposure.service',
      'gpu.service',
      'health.probes.0.service',
    ]);
  });

  it('variablesDeclared accepts host variables, secrets and defaults only', () => {
    const compose = {
      services: {
        web: {
          image: 'a/b:1',
          environment: {
            A: '${DATA_ROOT}/x',
            B: '${DB_PASSWORD}',
            C: '${MODE:-fast}',
            D: '${UNKNOWN}',
            E: '$${ESCAPED}',
            F: 'postgres://$DB_USER@db',
            G: '$$HOME and $DATA_ROOT',
          },
          healthcheck: { test: ['CMD', 'true'] },
        },
      },
    };
    const issues = variablesDeclared(service('web', { secrets: ['DB_PASSWORD'] }, compose), inv, []);
    // Compose interpolates $VAR like ${VAR}: an undeclared one would deploy a blank.
    expect(issues.map((i) => i.message.split(' ')[0])).toEqual(['$UNKNOWN', '$DB_USER']);
    expect(issues[0]?.hint).toContain('add "UNKNOWN" to secrets');
  });

  it('secretFilesDeclared: a secret file is a declared secret that a top-level compose secret reads from ./secrets/', () => {
    const compose = (secrets: Record<string, { file: string }>) => ({ ...simpleCompose('web'), secrets });
    const ok = service(
      'web',
      { secrets: ['API_KEY'], secretFiles: { API_KEY: { uid: 65534 } } },
      compose({ api_key: { file: './secrets/API_KEY' } }),
    );
    expect(secretFilesDeclared(ok, inv, [])).toEqual([]);
    const wrong = service('web', { secretFiles: { API_KEY: { uid: 65534 } } }, compose({ other: { file: './secrets/OTHER' } }));
    expect(secretFilesDeclared(wrong, inv, []).map((i) => [i.path, i.message])).toEqual([
      ['secretFiles.API_KEY', 'API_KEY is not named in secrets'],
      ['secrets', 'no top-level secret reads ./secrets/API_KEY'],
      ['secrets.other.file', './secrets/OTHER is not a secret file of packages/web/service.ts'],
    ]);
  });

  it('webProxyNotRedefined refuses a private web_proxy network', () => {
    const svc = service('web', {}, { ...simpleCompose('web'), networks: { web_proxy: { driver: 'bridge' } } });
    expect(webProxyNotRedefined(svc, inv, [])[0]?.path).toBe('networks.web_proxy');
    expect(
      webProxyNotRedefined(service('web', {}, { ...simpleCompose('web'), networks: { web_proxy: { external: true } } }), inv, []),
    ).toEqual([]);
  });

  it('probesReachable wants network probes on published ports, container probes anywhere', () => {
    expect(probesReachable(service('web', { health: { probes: [{ type: 'http', port: 9999 }] } }), inv, [])[0]).toMatchObject({
      path: 'health.probes.0.port',
      message: 'port 9999 is not published by packages/web/compose.yaml, so the probe cannot reach it',
    });
    expect(
      probesReachable(
        service('web', {
          health: {
            probes: [
              { type: 'http', port: 3000, container: 'web' },
              { type: 'tcp', port: 8080 },
            ],
          },
        }),
        inv,
        [],
      ),
    ).toEqual([]);
  });

  it('a service on the host network: its expose list is its host ports (clashes, probes), ports and exposure are refused', () => {
    const hc = { test: ['CMD', 'true'] };
    const pihole = service(
      'pihole',
      {
        host: 'ocean',
        health: {
          probes: [
            { type: 'http', port: 8053 },
            { type: 'tcp', port: 53 },
          ],
        },
      },
      {
        services: {
          pihole: { image: 'pihole/pihole:2024.07.0', network_mode: 'host', expose: ['53/tcp', '53/udp', 8053], healthcheck: hc },
        },
      },
    );
    const bind = service('bind', {}, { services: { bind: { image: 'a/b:1', ports: ['53:53/udp'], healthcheck: hc } } });
    expect(probesReachable(pihole, inv, [])).toEqual([]);
    expect(hostNetworkConsistent(pihole, inv, [])).toEqual([]);
    expect(noPortClash(bind, inv, [bind, pihole]).map((i) => i.message)).toEqual([
      'host port 53/udp on ocean is also published by service "pihole" (packages/pihole/compose.yaml)',
    ]);
    const wrong = service(
      'dns',
      { exposure: { port: 80 } },
      { services: { dns: { image: 'a/b:1', network_mode: 'host', ports: ['53:53'], healthcheck: hc } } },
    );
    expect(hostNetworkConsistent(wrong, inv, []).map((i) => i.path)).toEqual(['services.dns.ports', 'services.dns.expose', 'exposure']);
  });

  it('dependenciesExist names unknown services', () => {
    expect(dependenciesExist(service('web', { dependsOn: ['db'] }), inv, [])[0]?.message).toBe('depends on unknown service "db"');
  });

  it('exposedOnWebProxy checks the rendered file', () => {
    const svc = service('web', { exposure: { port: 80 } });
    expect(exposedOnWebProxy(svc, svc.compose, 'rendered')).toHaveLength(1);
    const rendered = {
      ...svc.compose,
      services: { web: { ...svc.compose.services.web!, networks: ['web_proxy'] } },
      networks: { web_proxy: { external: true } },
    };
    expect(exposedOnWebProxy(svc, rendered, 'rendered')).toEqual([]);
  });
});
