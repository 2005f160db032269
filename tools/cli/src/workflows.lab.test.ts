// The workflows' own `run:` steps, read from the YAML and run on a throw-away clone with real change
// commits: main-apply deploys exactly the changed service to the lab standing in for production (and
// versions it first); pr-test deploys the changed service to the lab and writes the pull-request summary
// for it; pr-cleanup leaves no lab behind. Install steps are left out (this machine is installed, and
// their npm ci would replace the node_modules the clone links to).
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLabKeys, labUp, removeServices, writeService, type TestService } from '@homelab/lab/testing';
import { repoRoot } from '@homelab/model/testing';
import { throwawayRepo, type ThrowawayRepo } from '@homelab/nx-plugin/testing';
import { runJob, type JobOptions, type StepResult } from './testing/workflow-runner.ts';

const id = Math.random().toString(36).slice(2, 8);
const a: TestService = { name: `wf${id}-a`, host: 'ocean', port: 18121, title: 'a1' };
const b: TestService = { name: `wf${id}-b`, host: 'ocean', port: 18122, title: 'b1' };
const roots = {
  lab: `/var/lib/lab/ocean/wf-${id}-lab`,
  labDns: `/var/lib/lab/dns01/wf-${id}-lab`,
  production: `/var/lib/lab/ocean/wf-${id}-prod`,
};
const docker = (...args: string[]) => execa('docker', args, { env: { DOCKER_HOST: 'unix:///run/lab/ocean/docker.sock' }, reject: false });
const startedAt = async (s: TestService) => (await docker('inspect', '--format', '{{.State.StartedAt}}', `${s.name}-web-1`)).stdout;
const health = async (s: TestService) => (await fetch(`http://10.231.0.2:${s.port}/health`, { signal: AbortSignal.timeout(3000) })).text();

let repo: ThrowawayRepo;
let origin: string;
let home: string;
let key: string;

// What a developer runs before committing: the generated test files in the repository's format.
const format = () => execa(join(repo.root, 'node_modules/.bin/biome'), ['format', '--write', 'packages'], { cwd: repo.root });
const workflow = (name: string) => join(repo.root, '.github/workflows', name);
const sha = async (rev: string) => ((await repo.git('rev-parse', rev)) as { stdout: string }).stdout.trim();
const failures = (results: StepResult[]) =>
  results.filter((r) => r.exitCode !== undefined && r.exitCode !== 0).map((r) => `${r.step}: ${r.output}`);
const ran = (results: StepResult[]) => results.filter((r) => r.exitCode !== undefined).map((r) => r.step);

function jobOptions(base: string, head: string): JobOptions {
  return {
    cwd: repo.root,
    env: {
      PATH: `${join(repo.root, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: home,
      NX_NO_CLOUD: 'true',
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@lab',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@lab',
    },
    secrets: { ANSIBLE_VAULT_PASSWORD: 'not-needed-by-these-services', HOMELAB_SSH_KEY: key },
    skip: (step) => (step.name?.startsWith('Install') ? 'this machine is installed already' : undefined),
    uses: (step) => (step.uses?.startsWith('nrwl/nx-set-shas@') ? { NX_BASE: base, NX_HEAD: head } : undefined),
  };
}

beforeAll(async () => {
  const lab = await labUp(repoRoot, () => {});
  // HOMELAB_SSH_KEY is the base64 of the deploy key (docs/ci.md); the lab's client key stands in.
  key = readFileSync(lab.hosts.ocean!.ssh.identityFile).toString('base64');
  home = mkdtempSync(join(tmpdir(), 'homelab-runner-home-'));
  // The runner's home: its own ~/.ssh; the Compose plugin that the bootstrap installed under ~/.docker.
  symlinkSync(join(homedir(), '.docker'), join(home, '.docker'));
  repo = await throwawayRepo((root) => {
    // Only the two test services, so that Nx selects nothing else.
    for (const name of readdirSync(join(root, 'packages'))) rmSync(join(root, 'packages', name), { recursive: true, force: true });
    for (const f of readdirSync(join(root, '.changeset'))) if (f.endsWith('.md') && f !== 'README.md') rmSync(join(root, '.changeset', f));
    writeService(root, a);
    writeService(root, b);
    // The lab: this machine's keys, the test's own deploy root.
    copyLabKeys(root, lab);
    // Deploy roots of its own on both lab hosts: what else this machine's lab runs (npm start) is not its business.
    for (const [host, dir] of [
      ['ocean', roots.lab],
      ['dns01', roots.labDns],
    ] as const) {
      const file = join(root, `inventories/lab/${host}/host.yaml`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/deployRoot: .*/, `deployRoot: ${dir}`));
    }
    // Production stands in on the lab host ocean: its address, key (installed by main-apply's own step), Docker.
    const prod = join(root, 'inventories/production');
    for (const host of readdirSync(prod)) if (host !== 'inventory.yaml') rmSync(join(prod, host), { recursive: true, force: true });
    copyFileSync(lab.hosts.ocean!.ssh.knownHosts, join(prod, 'known_hosts'));
    writeFileSync(
      join(prod, 'inventory.yaml'),
      readFileSync(join(prod, 'inventory.yaml'), 'utf8').replace('logDriver: journald', 'logDriver: local'),
    );
    mkdirSync(join(prod, 'ocean'));
    writeFileSync(
      join(prod, 'ocean/host.yaml'),
      [
        'address: 10.231.0.2',
        'description: the lab host ocean standing in for production',
        'dockerHost: unix:///run/lab/ocean/docker.sock',
        `deployRoot: ${roots.production}`,
        'paths:',
        `  data: ${roots.production}-data`,
        `  config: ${roots.production}-config`,
        '',
      ].join('\n'),
    );
  });
  await format();
  await repo.commitAll('format');
  origin = mkdtempSync(join(tmpdir(), 'homelab-origin-'));
  await execa('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  await repo.git('remote', 'add', 'origin', origin);
  await repo.git('push', '-q', 'origin', 'main');
  // Already in production before the merge: both services (deployed with the key where main-apply puts it,
  // which is then removed: main-apply's own step must install it again).
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  writeFileSync(join(home, '.ssh/homelab_ed25519'), Buffer.from(key, 'base64'), { mode: 0o600 });
  const first = await execa(
    process.execPath,
    [
      join(repo.root, 'node_modules/tsx/dist/cli.mjs'),
      'tools/cli/src/main.ts',
      'deploy',
      a.name,
      b.name,
      '--inventory',
      'production',
      '--allow-production',
    ],
    { cwd: repo.root, reject: false, all: true, env: { HOME: home } },
  );
  expect(first.exitCode, String(first.all)).toBe(0);
  rmSync(join(home, '.ssh'), { recursive: true, force: true });
}, 300_000);

afterAll(async () => {
  await removeServices('unix:///run/lab/ocean/docker.sock', [a.name, b.name]);
  for (const dir of [roots.lab, roots.labDns, roots.production, `${roots.production}-data`, `${roots.production}-config`])
    rmSync(dir, { recursive: true, force: true });
  for (const dir of [repo?.root, origin, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  // pr-test and pr-cleanup took the lab down: the next lab test brings it back (labUp is idempotent).
});

describe('the workflows, run from their YAML', () => {
  it('main-apply: versions the merged change and deploys exactly the changed service; a library change moves nothing else', async () => {
    writeService(repo.root, { ...a, title: 'a2' });
    appendFileSync(join(repo.root, 'libs/render/src/compose.ts'), '\n// a comment: no rendered output changes\n');
    writeFileSync(join(repo.root, `.changeset/${a.name}.md`), `---\n"@homelab/${a.name}": minor\n---\n\nA new title.\n`);
    await format();
    const base = await sha('HEAD');
    await repo.commitAll('merge: a new title for a');
    const bStarted = await startedAt(b);
    const aStarted = await startedAt(a);

    const results = await runJob(workflow('main-apply.yml'), 'deploy', jobOptions(base, await sha('HEAD')));
    expect(failures(results)).toEqual([]);
    expect(ran(results)).toEqual([
      "Node's code cache",
      'Versions and changelogs',
      'SSH key and known hosts',
      'Services whose release changes',
      'Deploy them (validate first; hosts in parallel, one service at a time per host)',
      'Status',
    ]);
    const deploy = results.find((r) => r.step.startsWith('Deploy them'))!.output!;
    expect(deploy).toMatch(new RegExp(`${a.name}\\s+ocean\\s+deployed\\s+1\\.1\\.0`));
    expect(deploy).toMatch(new RegExp(`${b.name}\\s+ocean\\s+skipped`));
    expect(await startedAt(b)).toBe(bStarted);
    expect(await startedAt(a)).not.toBe(aStarted);
    expect(await health(a)).toBe('ok a2\n');
    // What reaches production carries its version; the version commit is on main.
    expect(results.find((r) => r.step === 'Status')!.output).toMatch(new RegExp(`${a.name}\\s+ocean\\s+1\\.1\\.0\\s+healthy`));
    expect((await execa('git', ['log', '-1', '--format=%s', 'main'], { cwd: origin })).stdout).toBe('Version Packages [skip ci]');
  }, 300_000);

  it('pr-test: validates, tests and lab-deploys the changed service, writes the summary for it, and takes the lab down', async () => {
    writeService(repo.root, { ...b, title: 'b2' });
    await format();
    const base = await sha('HEAD');
    await repo.commitAll('pull request: a new title for b');
    const results = await runJob(workflow('pr-test.yml'), 'test', jobOptions(base, await sha('HEAD')));
    expect(failures(results)).toEqual([]);
    expect(ran(results)).toEqual([
      "Node's code cache",
      'Validate affected services (production config, rendered only)',
      'Format and lint affected projects (Biome)',
      'Test affected projects',
      'Deploy the services whose lab release changes to the lab',
      'Summary',
      'Tear down the lab',
    ]);
    const summary = readFileSync(join(repo.root, 'pr-summary.md'), 'utf8');
    expect(summary).toMatch(new RegExp(`\\| ${b.name} \\| ocean \\| deployed \\| 1\\.0\\.0 \\|`));
    expect(summary).not.toContain(a.name);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain('lab-ocean');
  }, 300_000);

  it('pr-cleanup: removes the lab and the SSH sockets, also when there is nothing left', async () => {
    const results = await runJob(workflow('pr-cleanup.yml'), 'cleanup', jobOptions('HEAD', 'HEAD'));
    expect(failures(results)).toEqual([]);
    expect(ran(results)).toEqual(['Remove the lab', 'Remove stale SSH control sockets']);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toMatch(/lab-(ocean|dns01)/);
  });
});
