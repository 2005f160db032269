import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Executor } from '@homelab/host';
import type { HostSpec, Inventory } from '@homelab/model';
import type { CommandContext } from './commands/context.ts';
import { actor, executorFactory, gitSha, hostExecutors } from './session.ts';
import { loadWorkspace } from './workspace.ts';

const repoRoot = join(import.meta.dirname, '../../..');
const dirs: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function repo(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'homelab-session-'));
  dirs.push(dir);
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  await git('init', '-q');
  await git('config', 'user.name', 'Ada Lovelace');
  await git('config', 'user.email', 'ada@example.org');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'b.txt'), 'b\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
  return dir;
}

describe('gitSha', () => {
  it("is the commit's 12-character sha, with -dirty only when the named paths changed", async () => {
    const dir = await repo();
    const head = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir })).stdout;
    expect(await gitSha(dir, ['a.txt'])).toBe(head);
    writeFileSync(join(dir, 'b.txt'), 'changed\n');
    expect(await gitSha(dir, ['a.txt'])).toBe(head);
    expect(await gitSha(dir, ['b.txt'])).toBe(`${head}-dirty`);
    expect(await gitSha(dir)).toBe(`${head}-dirty`);
  });

  it('is "unknown" outside a git checkout or before the first commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homelab-session-'));
    dirs.push(dir);
    expect(await gitSha(dir)).toBe('unknown');
    await execa('git', ['init', '-q'], { cwd: dir });
    expect(await gitSha(dir)).toBe('unknown');
  });
});

describe('actor', () => {
  it('is the CI actor, else the git user of the checkout', async () => {
    const dir = await repo();
    expect(await actor(dir, { GITHUB_ACTOR: 'octo', GITHUB_RUN_ID: '42' })).toBe('octo (GitHub Actions run 42)');
    expect(await actor(dir, { PATH: process.env.PATH, HOME: dir })).toBe('Ada Lovelace <ada@example.org>');
  });
});

describe('hostExecutors: the connection to a host starts while the workspace loads', () => {
  // Executors that only record what they were asked (nothing is reached); the guard is the real one.
  function recording(allowProduction = false) {
    const events: string[] = [];
    const ctx = { allowProduction, err: () => undefined } as unknown as CommandContext;
    const make = (c: CommandContext, inventory: Inventory) => {
      executorFactory(c, inventory); // throws for production without permission, as the real one does
      return (host: HostSpec) =>
        ({
          host: host.name,
          connect: () => events.push(`connect ${host.name}`),
          close: async () => void events.push(`close ${host.name}`),
        }) as unknown as Executor;
    };
    return { events, ctx, make };
  }
  const load = async (inventory: string, names: string[] | undefined, allowProduction = false) => {
    const { events, ctx, make } = recording(allowProduction);
    const hosts = hostExecutors(ctx, names, make);
    const placed = hosts.hooks.placed;
    const hooks = placed
      ? {
          ...hosts.hooks,
          placed: (...a: Parameters<typeof placed>) => {
            events.push(a[0].name);
            placed(...a);
          },
        }
      : hosts.hooks;
    const { workspace } = await loadWorkspace(inventory, repoRoot, {}, hooks);
    return { events, hosts, workspace };
  };

  it('a named service is loaded first and its host connected at once; the services keep their order', async () => {
    const { events, hosts, workspace } = await load('lab', ['static-site']);
    expect(events.slice(0, 2)).toEqual(['static-site', 'connect ocean']);
    expect(events.filter((e) => e.startsWith('connect'))).toEqual(['connect ocean']);
    const plain = (await loadWorkspace('lab', repoRoot)).workspace;
    expect(workspace.services.map((s) => s.name)).toEqual(plain.services.map((s) => s.name));
    // The command's executor for the host is the one already connecting; close ends every one.
    const ocean = workspace.inventory.hosts.ocean!;
    expect(hosts.factory(workspace.inventory)(ocean)).toBe(hosts.factory(workspace.inventory)(ocean));
    await hosts.close();
    expect(events.at(-1)).toBe('close ocean');
  });

  it('all services: each of their hosts once; under --affected (names not known yet): none', async () => {
    const all = await load('lab', []);
    expect(all.events.filter((e) => e.startsWith('connect')).sort()).toEqual(['connect dns01', 'connect ocean']);
    expect((await load('lab', undefined)).events).toEqual([]);
  });

  it('a production inventory without permission connects to nothing, and is refused when a host is needed', async () => {
    vi.stubEnv('HOMELAB_ALLOW_PRODUCTION', ''); // as on a machine not allowed to (the runner sets it)
    const refused = await load('production', ['plex']);
    expect(refused.events[0]).toBe('plex');
    expect(refused.events.filter((e) => e.startsWith('connect'))).toEqual([]);
    expect(() => refused.hosts.factory(refused.workspace.inventory)).toThrow(/refusing to connect/);
    const allowed = await load('production', ['plex'], true);
    expect(allowed.events.slice(0, 2)).toEqual(['plex', `connect ${allowed.workspace.services.find((s) => s.name === 'plex')!.spec.host}`]);
  });
});
