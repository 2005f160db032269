// End to end on the lab: two services deployed, one changed and committed; `nx affected -t deploy -c lab`
// restarts only that one, also when a library change makes Nx select both (the exact set of
// `homelab affected` keeps the other unchanged).
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLabKeys, labUp, removeServices, writeService, type TestService } from '@homelab/lab/testing';
import { repoRoot } from '@homelab/model/testing';
import { throwawayRepo, type ThrowawayRepo } from './testing.ts';

let repo: ThrowawayRepo;
const id = Math.random().toString(36).slice(2, 8);
const a: TestService = { name: `e2e${id}-a`, host: 'ocean', port: 18101, title: 'a1' };
const b: TestService = { name: `e2e${id}-b`, host: 'ocean', port: 18102, title: 'b1' };
const deployRoot = `/var/lib/lab/ocean/e2e-${id}`;
const docker = (...args: string[]) => execa('docker', args, { env: { DOCKER_HOST: 'unix:///run/lab/ocean/docker.sock' }, reject: false });
const startedAt = async (s: TestService) => (await docker('inspect', '--format', '{{.State.StartedAt}}', `${s.name}-web-1`)).stdout;

beforeAll(async () => {
  const lab = await labUp(repoRoot, () => {});
  repo = await throwawayRepo((root) => {
    // Only the two test services: Nx then selects nothing else, whatever the change.
    for (const name of readdirSync(join(root, 'packages'))) rmSync(join(root, 'packages', name), { recursive: true, force: true });
    writeService(root, a);
    writeService(root, b);
    copyLabKeys(root, lab);
    const hostFile = join(root, 'inventories/lab/ocean/host.yaml');
    writeFileSync(hostFile, readFileSync(hostFile, 'utf8').replace(/deployRoot: .*/, `deployRoot: ${deployRoot}`));
  });
});

afterAll(async () => {
  await removeServices('unix:///run/lab/ocean/docker.sock', [a.name, b.name]);
  rmSync(deployRoot, { recursive: true, force: true });
  if (repo) rmSync(repo.root, { recursive: true, force: true });
});

describe('nx affected -t deploy -c lab', () => {
  it('deploys exactly the changed service; the other keeps running untouched', async () => {
    const first = await repo.nx('run-many', '-t', 'deploy', '-c', 'lab', `--projects=${a.name},${b.name}`);
    expect(first.exitCode, String(first.all)).toBe(0);
    const bStarted = await startedAt(b);
    const aStarted = await startedAt(a);
    expect(bStarted).not.toBe('');

    writeService(repo.root, { ...a, title: 'a2' });
    await repo.commitAll(`change ${a.name}`);
    const affected = await repo.nx('affected', '-t', 'deploy', '-c', 'lab', '--base=HEAD~1', '--head=HEAD', '--outputStyle=static');
    const output = stripVTControlCharacters(String(affected.all));
    expect(affected.exitCode, output).toBe(0);
    // One homelab process ran the tasks (the plugin's batch executor): its rows name what it did.
    expect(output).toContain(`✔ ${a.name} is valid for inventory lab`);
    expect(output).toMatch(new RegExp(`${a.name}\\s+ocean\\s+deployed`));
    expect(output).not.toMatch(new RegExp(`^- ${b.name}$`, 'm')); // not among the projects Nx runs
    expect(output).not.toMatch(new RegExp(`${b.name}\\s+ocean`)); // nor among the rows homelab prints

    expect(await startedAt(b)).toBe(bStarted);
    expect(await startedAt(a)).not.toBe(aStarted);
    expect(await (await fetch(`http://10.231.0.2:${a.port}/health`)).text()).toBe('ok a2\n');
  });

  it('a library change selects both in Nx; the exact set deploys only the one whose release changed', async () => {
    const bStarted = await startedAt(b);
    const aStarted = await startedAt(a);
    writeService(repo.root, { ...a, title: 'a3' });
    appendFileSync(join(repo.root, 'libs/render/src/compose.ts'), '\n// a comment: no rendered output changes\n');
    await repo.commitAll(`change ${a.name} and a library`);
    const exactFile = join(repo.root, 'affected-lab.json');
    const exact = await execa(
      process.execPath,
      [
        join(repo.root, 'node_modules/tsx/dist/cli.mjs'),
        'tools/cli/src/main.ts',
        'affected',
        '--base=HEAD~1',
        '--head=HEAD',
        '--inventory',
        'lab',
        '--output',
        exactFile,
      ],
      { cwd: repo.root, reject: false, all: true },
    );
    expect(exact.exitCode, String(exact.all)).toBe(0);
    expect(
      (JSON.parse(readFileSync(exactFile, 'utf8')) as { affected: Array<{ service: string }> }).affected.map((x) => x.service),
    ).toEqual([a.name]);

    const run = await execa(
      process.execPath,
      [
        join(repo.root, 'node_modules/nx/dist/bin/nx.js'),
        'affected',
        '-t',
        'deploy',
        '-c',
        'lab',
        '--base=HEAD~1',
        '--head=HEAD',
        '--outputStyle=static',
      ],
      {
        cwd: repo.root,
        reject: false,
        all: true,
        env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', HOMELAB_AFFECTED_FILE: exactFile },
      },
    );
    const output = stripVTControlCharacters(String(run.all));
    expect(run.exitCode, output).toBe(0);
    expect(output).toMatch(new RegExp(`^- ${b.name}$`, 'm')); // Nx's candidate set holds both
    expect(output).toMatch(new RegExp(`${b.name}\\s+ocean\\s+skipped`));
    expect(output).toMatch(new RegExp(`${a.name}\\s+ocean\\s+deployed`));
    expect(await startedAt(b)).toBe(bStarted);
    expect(await startedAt(a)).not.toBe(aStarted);
    expect(await (await fetch(`http://10.231.0.2:${a.port}/health`)).text()).toBe('ok a3\n');
  });
});
