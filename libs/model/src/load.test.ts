import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { cacheDir } from './json-cache.ts';
import { listServices, loadError, loadInventory, loadService, readYaml } from './load.ts';
import { serviceTs, tempWorkspace } from './testing/fixtures.ts';

const compose = `services:\n  web:\n    image: example/web:1.0.0\n    healthcheck:\n      test: ["CMD", "true"]\n`;
const good = { description: 'web', host: 'ocean', health: { probes: [{ type: 'tcp', port: 80 }] } };
const inventoryYaml = `name: test\ndefaults:\n  ssh:\n    user: deploy\n  deployRoot: /srv/homelab\nimages:\n  example/web:1.0.0: lab/web:1\n`;
const roots: string[] = [];

function ws(files: Record<string, string>): string {
  const root = tempWorkspace(files);
  roots.push(root);
  return root;
}

async function issuesOf(p: Promise<unknown>) {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
}

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('loadService', () => {
  it('loads service.ts, compose.yaml and the package version, with defaults filled in', async () => {
    const root = ws({
      'packages/web/service.ts': serviceTs(good),
      'packages/web/compose.yaml': compose,
      'packages/web/package.json': '{"version": "2.3.4"}',
    });
    const svc = await loadService(root, 'web');
    expect(svc.version).toBe('2.3.4');
    expect(svc.spec.secrets).toEqual([]);
    expect(svc.spec.health.timeoutSeconds).toBe(120);
    expect(svc.compose.services.web?.image).toBe('example/web:1.0.0');
    expect(listServices(root)).toEqual(['web']);
  });

  it('names the file and dotted path of a bad field, and unknown fields', async () => {
    const root = ws({
      'packages/web/service.ts': serviceTs({ ...good, exposure: { port: 80, access: 'everyone' }, colour: 'red' }),
      'packages/web/compose.yaml': compose,
      'packages/web/package.json': '{}',
    });
    const issues = await issuesOf(loadService(root, 'web'));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'packages/web/service.ts',
          path: 'exposure.access',
          hint: 'use one of: "admin", "plex-users", "public", "none"',
        }),
        expect.objectContaining({ file: 'packages/web/service.ts', path: 'colour', message: 'unknown field "colour"' }),
      ]),
    );
  });

  it('reports a missing required field with what to add', async () => {
    const { health: _h, ...noHealth } = good;
    const root = ws({
      'packages/web/service.ts': serviceTs(noHealth),
      'packages/web/compose.yaml': compose,
      'packages/web/package.json': '{}',
    });
    expect(await issuesOf(loadService(root, 'web'))).toEqual([
      expect.objectContaining({ path: 'health', hint: 'add this required field (object)' }),
    ]);
  });

  it('reports YAML syntax errors and compose shape errors in compose.yaml', async () => {
    const broken = ws({
      'packages/web/service.ts': serviceTs(good),
      'packages/web/compose.yaml': 'services:\n  web:\n    image: [unclosed\n',
      'packages/web/package.json': '{}',
    });
    expect((await issuesOf(loadService(broken, 'web')))[0]).toMatchObject({
      file: 'packages/web/compose.yaml',
      message: expect.stringMatching(/^YAML syntax/),
    });
    const noImage = ws({
      'packages/web/service.ts': serviceTs(good),
      'packages/web/compose.yaml': 'services:\n  web:\n    command: x\n',
      'packages/web/package.json': '{}',
    });
    expect((await issuesOf(loadService(noImage, 'web')))[0]).toMatchObject({
      file: 'packages/web/compose.yaml',
      path: 'services.web.image',
    });
  });

  it('reports a service.ts without a defineService default export', async () => {
    const root = ws({
      'packages/web/service.ts': 'export default { host: "ocean" };\n',
      'packages/web/compose.yaml': compose,
      'packages/web/package.json': '{}',
    });
    expect((await issuesOf(loadService(root, 'web')))[0]).toMatchObject({ file: 'packages/web/service.ts', path: 'default' });
  });

  it('a syntax error in service.ts keeps its line and column', async () => {
    const root = ws({
      'packages/web/service.ts': "export default {\n  host: 'ocean'\n  health: {},\n};\n",
      'packages/web/compose.yaml': compose,
      'packages/web/package.json': '{}',
    });
    const [issue] = await issuesOf(loadService(root, 'web'));
    expect(issue?.message).toMatch(/^cannot be loaded: packages\/web\/service\.ts:3:\d+: Expected .*found/);
  });
});

describe('loadInventory', () => {
  it('merges inventory defaults under each host', () => {
    const root = ws({
      'inventories/test/inventory.yaml': inventoryYaml,
      'inventories/test/ocean/host.yaml': 'address: 10.1.1.1\nssh:\n  port: 2222\n',
    });
    const inv = loadInventory(root, 'test');
    expect(inv.images).toEqual({ 'example/web:1.0.0': 'lab/web:1' });
    expect(inv.hosts.ocean).toMatchObject({
      address: '10.1.1.1',
      deployRoot: '/srv/homelab',
      ssh: { user: 'deploy', port: 2222 },
      logDriver: 'journald',
      file: 'inventories/test/ocean/host.yaml',
    });
    expect(inv.hosts.ocean?.ssh.knownHosts).toBe(`${root}/inventories/test/known_hosts`);
  });

  it('one remote shell per command on a host unless the host or the defaults say ssh.session: false', () => {
    const root = ws({
      'inventories/test/inventory.yaml': inventoryYaml.replace('    user: deploy\n', '    user: deploy\n    session: false\n'),
      'inventories/test/ocean/host.yaml': 'address: 10.1.1.1\n',
      'inventories/test/dns01/host.yaml': 'address: 10.1.1.2\nssh:\n  session: true\n',
    });
    const inv = loadInventory(root, 'test');
    expect([inv.hosts.ocean?.ssh.session, inv.hosts.dns01?.ssh.session]).toEqual([false, true]);
    const plain = ws({ 'inventories/test/inventory.yaml': inventoryYaml, 'inventories/test/ocean/host.yaml': 'address: 10.1.1.1\n' });
    expect(loadInventory(plain, 'test').hosts.ocean?.ssh.session).toBe(true);
    const wrong = ws({
      'inventories/test/inventory.yaml': inventoryYaml,
      'inventories/test/ocean/host.yaml': 'address: 10.1.1.1\nssh:\n  session: sometimes\n',
    });
    expect(() => loadInventory(wrong, 'test')).toThrow(/inventories\/test\/ocean\/host\.yaml: ssh\.session/);
  });

  it('names the host file and field that is wrong', () => {
    const root = ws({
      'inventories/test/inventory.yaml': inventoryYaml,
      'inventories/test/ocean/host.yaml': 'address: 10.1.1.1\ngpu:\n  model: x\n  vramMiB: -1\n',
    });
    expect(() => loadInventory(root, 'test')).toThrow(/inventories\/test\/ocean\/host\.yaml: gpu\.vramMiB/);
  });

  it('an address is an IPv4 or IPv6 address or a host name: a mistyped IPv4 is refused', () => {
    const load = (address: string) =>
      loadInventory(
        ws({ 'inventories/test/inventory.yaml': inventoryYaml, 'inventories/test/ocean/host.yaml': `address: "${address}"\n` }),
        'test',
      );
    for (const bad of ['10.231.0.256', '10.231.0', '1.2.3.4.5', 'bad_name.home', '-ocean', 'ocean..home'])
      expect(() => load(bad), bad).toThrow(
        /inventories\/test\/ocean\/host\.yaml: address: an IPv4 address \(192\.168\.1\.10\), an IPv6 address or a host name/,
      );
    for (const good of ['192.168.1.143', 'fd00::12', 'ocean', 'ocean.home', 'node-005.lan'])
      expect(load(good).hosts.ocean?.address, good).toBe(good);
  });

  it('lists the inventories that exist when one is unknown', () => {
    const root = ws({ 'inventories/test/inventory.yaml': inventoryYaml });
    expect(() => loadInventory(root, 'prod')).toThrow(/no inventory named "prod"[\s\S]*one of: test/);
  });
});

describe('loadError', () => {
  it('keeps where the compiler says the error is, from esbuild (tsx) and oxc (vitest) alike', () => {
    expect(
      loadError(
        new Error('Transform failed with 1 error:\n/abs/packages/bad/service.ts:6:2: ERROR: Expected "}" but found "health"'),
        'packages/bad/service.ts',
      ),
    ).toBe('packages/bad/service.ts:6:2: Expected "}" but found "health"');
    expect(loadError(new Error('Cannot find module x'), 'packages/bad/service.ts')).toBe('Cannot find module x');
  });
});

describe('readYaml with a cache folder', () => {
  it('reads a file parsed before back from its JSON, parses a changed file again, and caches nothing JSON cannot hold', () => {
    const dir = mkdtempSync(join(tmpdir(), 'homelab-yaml-'));
    try {
      const file = join(dir, 'compose.yaml');
      // The workspace's cache lives in its node_modules (a folder without one gets no cache).
      mkdirSync(join(dir, 'node_modules'));
      const cache = cacheDir(dir, 'yaml');
      writeFileSync(file, 'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n');
      const first = readYaml(file, 'compose.yaml', cache);
      expect(first).toEqual({ value: { services: { web: { image: 'nginx:1.27', ports: ['8080:80'] } } }, issues: [] });
      const [entry] = readdirSync(cache);
      expect(JSON.parse(readFileSync(join(cache, entry!), 'utf8'))).toEqual(first.value);
      // The same bytes: the cached JSON answers (marked here to tell it from a parse).
      writeFileSync(join(cache, entry!), JSON.stringify({ from: 'cache' }));
      expect(readYaml(file, 'compose.yaml', cache).value).toEqual({ from: 'cache' });
      // Other bytes: parsed again.
      writeFileSync(file, 'services: {}\n');
      expect(readYaml(file, 'compose.yaml', cache).value).toEqual({ services: {} });
      // .nan would come back from JSON as null: not cached, parsed every time.
      writeFileSync(file, 'x: .nan\n');
      expect(readYaml(file, 'compose.yaml', cache).value).toEqual({ x: Number.NaN });
      expect(readdirSync(cache)).toHaveLength(2);
      // A syntax error is never cached and keeps its line.
      writeFileSync(file, 'a: [\n');
      expect(readYaml(file, 'compose.yaml', cache).issues[0]?.message).toMatch(/^YAML syntax/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
