// Change detection through Nx: a throw-away git repository made from this workspace, one commit per
// kind of change, and the services Nx selects for each. Nx's selection is the candidate set: it holds
// every service whose release may change (a library or CLI change selects all of them); `homelab affected`
// then keeps exactly those whose release does change (tools/cli/src/affected), and deploy follows it.
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listServices, loadService } from '@homelab/model';
import { generatesFromCatalog } from './plugin.ts';
import { throwawayRepo, type ThrowawayRepo } from './testing.ts';

let repo: ThrowawayRepo;
let services: string[] = [];

async function affectedBy(change: () => void): Promise<string[]> {
  change();
  await repo.commitAll('change');
  const r = await repo.nx('show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json');
  return (JSON.parse(r.stdout as string) as string[]).filter((p) => services.includes(p)).sort();
}

const edit =
  (path: string, text = '\n# changed\n') =>
  () =>
    appendFileSync(join(repo.root, path), text);
const rewrite = (path: string, from: string | RegExp, to: string) => () =>
  writeFileSync(join(repo.root, path), readFileSync(join(repo.root, path), 'utf8').replace(from, to));

beforeAll(async () => {
  repo = await throwawayRepo((root) => {
    // A service on dns01, so that host changes have something to select.
    cpSync(join(root, 'packages/static-site'), join(root, 'packages/dns-probe'), { recursive: true });
    writeFileSync(
      join(root, 'packages/dns-probe/service.ts'),
      readFileSync(join(root, 'packages/dns-probe/service.ts'), 'utf8').replace("host: 'ocean'", "host: 'dns01'"),
    );
    writeFileSync(
      join(root, 'packages/dns-probe/package.json'),
      readFileSync(join(root, 'packages/dns-probe/package.json'), 'utf8').replaceAll('static-site', 'dns-probe'),
    );
  });
  const all = await repo.nx('show', 'projects', '--json');
  services = (JSON.parse(all.stdout as string) as string[])
    .filter((p) => !p.startsWith('@homelab/') && !p.startsWith('host-') && !p.startsWith('inventory-'))
    .sort();
}, 120_000);
afterAll(() => rmSync(repo.root, { recursive: true, force: true }));

// Services whose release holds files made from every service and host (nginx's vhosts, the zone, the scrape
// config): Nx selects them with any service or host (homelab affected then keeps those whose files changed).
const generating = () => services.filter((s) => generatesFromCatalog(readFileSync(join(repo.root, 'packages', s, 'service.ts'), 'utf8')));
const andGenerating = (names: string[]) => [...new Set([...names, ...generating()])].sort();

describe('nx affected selects every service a change may touch, and caches nothing it should not', () => {
  it('knows every service: one Nx project per packages/*/service.ts', () => {
    expect(services).toEqual(listServices(repo.root));
    expect(services).toEqual(expect.arrayContaining(['dns-probe', 'grafana', 'llama-cpp', 'plex', 'static-site']));
  });

  it("a service's own files: that service, and the services generated from the catalog", async () => {
    expect(generating()).toEqual([
      'acme',
      'alertmanager',
      'bind9',
      'blackbox-exporter',
      'cloudflared',
      'grafana',
      'nginx',
      'pihole',
      'prometheus',
    ]);
    expect(await affectedBy(edit('packages/loki/files/loki.yaml'))).toEqual(andGenerating(['loki']));
    expect(await affectedBy(edit('packages/plex/compose.yaml'))).toEqual(andGenerating(['plex']));
  });

  it("a service's secrets file: that service (and the generated ones)", async () => {
    expect(
      await affectedBy(() =>
        writeFileSync(
          join(repo.root, 'packages/grafana/secrets.vault.yaml'),
          'GRAFANA_ADMIN_PASSWORD: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n',
        ),
      ),
    ).toEqual(andGenerating(['grafana']));
  });

  it('a library or the CLI: every service (their code renders and deploys each release)', async () => {
    expect(await affectedBy(edit('libs/gpu/src/llm.ts', '\n// changed\n'))).toEqual(services);
    expect(await affectedBy(edit('libs/model/src/compose.ts', '\n// changed\n'))).toEqual(services);
    expect(await affectedBy(edit('libs/deploy/src/plan.ts', '\n// changed\n'))).toEqual(services);
    expect(await affectedBy(edit('libs/validate/src/validate.ts', '\n// changed\n'))).toEqual(services);
    expect(await affectedBy(edit('tools/cli/src/session.ts', '\n// changed\n'))).toEqual(services);
  });

  it('validate is re-run, not answered from the cache, when the code it runs changes', async () => {
    const validate = () => repo.nx('run', 'tautulli:validate', '--outputStyle=static');
    const first = await validate();
    expect(first.exitCode, String(first.all)).toBe(0);
    const fromCache = /\[(local cache|existing outputs match the cache)/;
    expect(String((await validate()).all)).toMatch(fromCache);
    // The validate code now refuses every service: a cached pass would hide it.
    const file = join(repo.root, 'libs/validate/src/validate.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'const issues = [...staticIssues(svc, inventory, all), ...secrets.errors];',
        "const issues = [...staticIssues(svc, inventory, all), ...secrets.errors, { file: 'x', path: 'y', message: 'refused by the changed validate code' }];",
      ),
    );
    const changed = await validate();
    expect(changed.exitCode).not.toBe(0);
    expect(String(changed.all)).toContain('refused by the changed validate code');
    expect(String(changed.all)).not.toMatch(fromCache);
  });

  it('tests: a library change runs the tests of the projects that depend on it, not of the others', async () => {
    await affectedBy(edit('libs/gpu/src/llm.ts', '\n// changed again\n'));
    const r = await repo.nx('show', 'projects', '--affected', '--withTarget=test', '--base=HEAD~1', '--head=HEAD', '--json');
    const withTests = JSON.parse(r.stdout as string) as string[];
    expect(withTests).toEqual(expect.arrayContaining(['@homelab/gpu', '@homelab/render', '@homelab/cli', 'log-anomaly-detector']));
    expect(withTests).not.toContain('@homelab/model');
    expect(withTests).not.toContain('@homelab/health');
  });

  it("one host's inventory entry: only the services placed on that host (and the generated ones)", async () => {
    expect(await affectedBy(edit('inventories/production/dns01/host.yaml'))).toEqual(andGenerating(['bind9', 'dns-probe', 'pihole']));
    expect(await affectedBy(edit('inventories/production/gh-runner-01/host.yaml'))).toEqual(andGenerating(['github-runners']));
    const onOcean = [];
    for (const s of services) if ((await loadService(repo.root, s)).spec.host === 'ocean') onOcean.push(s);
    expect(onOcean.length).toBeGreaterThan(5);
    expect(await affectedBy(edit('inventories/lab/ocean/host.yaml'))).toEqual(andGenerating(onOcean));
  });

  it('workspace-wide configuration: every service', async () => {
    expect(await affectedBy(rewrite('nx.json', '"parallel": 4', '"parallel": 3'))).toEqual(services);
    expect(await affectedBy(rewrite('tsconfig.base.json', '"target": "ES2023"', '"target": "ES2022"'))).toEqual(services);
    expect(await affectedBy(rewrite('package.json', '"zod": "^4.6.7"', '"zod": "^4.6.8"'))).toEqual(services);
    expect(await affectedBy(rewrite('package-lock.json', /("node_modules\/zod": \{\s+"version": ")[^"]+/, '$14.6.9'))).toEqual(services);
  });

  it('docs, README and .github: no service', async () => {
    expect(await affectedBy(edit('docs/decisions.md'))).toEqual([]);
    expect(await affectedBy(edit('README.md'))).toEqual([]);
    expect(await affectedBy(edit('.github/workflows/pr-test.yml'))).toEqual([]);
  });
});
