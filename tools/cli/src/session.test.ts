import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { actor, gitSha } from './session.ts';

const dirs: string[] = [];
afterEach(() => {
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
