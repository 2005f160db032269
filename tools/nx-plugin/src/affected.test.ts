// Change detection, end to end through Nx: a throw-away git repository made from this workspace,
// one commit per kind of change, and the exact set of affected services for each.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';

let repo: string;
const env = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (...args: string[]) => execa('git', args, { cwd: repo, env });
let services: string[] = [];

async function affectedBy(change: () => void): Promise<string[]> {
  change();
  await git('add', '-A');
  await git('commit', '-qm', 'change');
  const r = await execa(process.execPath, [join(repo, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json'], { cwd: repo, env });
  return (JSON.parse(r.stdout) as string[]).filter((p) => services.includes(p)).sort();
}

const edit = (path: string, text = '\n# changed\n') => () => appendFileSync(join(repo, path), text);

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'homelab-affected-'));
  const files = (await execa('git', ['ls-files'], { cwd: repoRoot })).stdout.split('\n').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(repo, f));
    } catch {
      // deleted in the working tree but still tracked
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(repo, 'node_modules'));
  // A service on dns01, so that host changes have something to select.
  cpSync(join(repo, 'packages/static-site'), join(repo, 'packages/dns-probe'), { recursive: true });
  writeFileSync(join(repo, 'packages/dns-probe/service.ts'), readFileSync(join(repo, 'packages/dns-probe/service.ts'), 'utf8').replace("host: 'ocean'", "host: 'dns01'"));
  writeFileSync(join(repo, 'packages/dns-probe/package.json'), readFileSync(join(repo, 'packages/dns-probe/package.json'), 'utf8').replaceAll('static-site', 'dns-probe'));
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  await git('add', '-A');
  await git('commit', '-qm', 'base');
  const all = await execa(process.execPath, [join(repo, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects', '--json'], { cwd: repo, env });
  services = (JSON.parse(all.stdout) as string[]).filter((p) => !p.startsWith('@homelab/') && !p.startsWith('host-') && !p.startsWith('inventory-')).sort();
}, 120_000);
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('nx affected maps each change to exactly the services it touches', () => {
  it('knows every service', () => {
    expect(services).toEqual(['dns-probe', 'grafana', 'llama-cpp', 'loki', 'plex', 'prometheus', 'static-site']);
  });

  it("a service's own files: that service", async () => {
    expect(await affectedBy(edit('packages/loki/files/loki.yaml'))).toEqual(['loki']);
    expect(await affectedBy(edit('packages/plex/compose.yaml'))).toEqual(['plex']);
  });

  it("a service's secrets file: that service", async () => {
    expect(await affectedBy(() => writeFileSync(join(repo, 'packages/grafana/secrets.vault.yaml'), 'GRAFANA_ADMIN_PASSWORD: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n'))).toEqual(['grafana']);
  });

  it('a library: only the services that import it, directly or through another library', async () => {
    expect(await affectedBy(edit('libs/gpu/src/llm.ts', '\n// changed\n'))).toEqual(['llama-cpp']);
    expect(await affectedBy(edit('libs/model/src/compose.ts', '\n// changed\n'))).toEqual(services);
    expect(await affectedBy(edit('libs/deploy/src/plan.ts', '\n// changed\n'))).toEqual([]);
  });

  it("one host's inventory entry: only the services placed on that host", async () => {
    expect(await affectedBy(edit('inventories/production/dns01/host.yaml'))).toEqual(['dns-probe']);
    expect(await affectedBy(edit('inventories/lab/ocean/host.yaml'))).toEqual(services.filter((s) => s !== 'dns-probe'));
  });

  it('workspace-wide configuration: every service', async () => {
    expect(await affectedBy(() => writeFileSync(join(repo, 'nx.json'), readFileSync(join(repo, 'nx.json'), 'utf8').replace('"parallel": 4', '"parallel": 3')))).toEqual(services);
    expect(await affectedBy(() => writeFileSync(join(repo, 'tsconfig.base.json'), readFileSync(join(repo, 'tsconfig.base.json'), 'utf8').replace('"target": "ES2023"', '"target": "ES2022"')))).toEqual(services);
    expect(await affectedBy(() => writeFileSync(join(repo, 'package.json'), readFileSync(join(repo, 'package.json'), 'utf8').replace('"zod": "^4.6.7"', '"zod": "^4.6.8"')))).toEqual(services);
    expect(await affectedBy(() => writeFileSync(join(repo, 'package-lock.json'), readFileSync(join(repo, 'package-lock.json'), 'utf8').replace(/("node_modules\/zod": \{\s+"version": ")[^"]+/, '$14.6.9')))).toEqual(services);
  });

  it('docs, README and .github: no service', async () => {
    expect(await affectedBy(edit('docs/decisions.md'))).toEqual([]);
    expect(await affectedBy(edit('README.md'))).toEqual([]);
    expect(await affectedBy(edit('.github/workflows/pr-test.yml'))).toEqual([]);
  });
});
