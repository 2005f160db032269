// The host lock for real, through the local executor on a temporary deploy root (the scripts are the
// ones the SSH executor runs on a host): stale takeover under contention, a lock without a holder file,
// and failures that name their cause and leave nothing behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockError } from './errors.ts';
import { LocalExecutor } from './local-executor.ts';
import { HostLock, lockStatus } from './lock.ts';

const local = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const roots: string[] = [];
const root = () => {
  const dir = mkdtempSync(join(tmpdir(), 'homelab-lock-'));
  roots.push(dir);
  return dir;
};
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

// A lock left by a process of this machine that is gone.
function staleLock(deployRoot: string): void {
  mkdirSync(join(deployRoot, '.homelab.lock'), { recursive: true });
  const dead = {
    token: `dead-${Math.random()}`,
    holder: 'root@old',
    hostname: hostname(),
    pid: 999_999_999,
    command: 'deploy x',
    startedAt: '2026-01-01T00:00:00Z',
  };
  writeFileSync(join(deployRoot, '.homelab.lock/holder.json'), JSON.stringify(dead));
}

describe('the host lock on a real file system', () => {
  it('100 rounds of three processes taking over the same stale lock: exactly one holder each round', async () => {
    const deployRoot = root();
    let single = 0;
    for (let round = 0; round < 100; round++) {
      rmSync(join(deployRoot, '.homelab.lock'), { recursive: true, force: true });
      staleLock(deployRoot);
      const locks = [0, 1, 2].map(() => new HostLock(local, deployRoot));
      const taken = await Promise.allSettled(locks.map((l) => l.acquire({ command: `round ${round}`, waitMs: 0 })));
      const holders = taken.filter((t) => t.status === 'fulfilled').length;
      if (holders === 1) single++;
      for (const [i, t] of taken.entries()) if (t.status === 'fulfilled') await locks[i]!.release();
    }
    expect(single).toBe(100);
  }, 120_000);

  it('a lock folder without a holder file goes stale by its age, and status reads it', async () => {
    const deployRoot = root();
    mkdirSync(join(deployRoot, '.homelab.lock'));
    const state = await lockStatus(local, deployRoot);
    expect(state).toMatchObject({ held: true, holder: undefined });
    // Fresh, it may be a holder still writing its file: wait for it.
    await expect(new HostLock(local, deployRoot).acquire({ command: 'deploy y', waitMs: 0 })).rejects.toThrow(
      /locked by an unknown holder/,
    );
    execFileSync('touch', ['-d', '-2 minutes', join(deployRoot, '.homelab.lock')]);
    const told: string[] = [];
    const lock = new HostLock(local, deployRoot);
    await lock.acquire({ command: 'deploy y', waitMs: 0, onTakeover: (_h, age) => told.push(`stale, ${age}s old`) });
    expect(told).toHaveLength(1);
    expect((await lockStatus(local, deployRoot)).holder).toMatchObject({ command: 'deploy y' });
    await lock.release();
    expect(existsSync(join(deployRoot, '.homelab.lock'))).toBe(false);
  });

  const root0 = process.getuid?.() === 0;
  it.runIf(root0)('a full disk: the error says so, and no lock folder is left behind', async () => {
    const mount = root();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    try {
      mkdirSync(join(mount, 'homelab'));
      // Fill it: the lock folder can still be made, its holder file cannot be written.
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${mount}/fill bs=4k 2>/dev/null || true`]);
      const error = await new HostLock(local, join(mount, 'homelab')).acquire({ command: 'deploy z', waitMs: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockError);
      expect(String((error as Error).message)).toMatch(/No space left on device[\s\S]*fix: free disk space/);
      expect(readdirSync(join(mount, 'homelab'))).toEqual([]);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it.runIf(root0)('a read-only file system: the error names it', async () => {
    const mount = root();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mount]);
    try {
      const error = await new HostLock(local, join(mount, 'homelab')).acquire({ command: 'deploy z', waitMs: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockError);
      expect(String((error as Error).message)).toMatch(/Read-only file system[\s\S]*fix: the file system under .* is read-only/);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('runs `thenRun` under the lock in the round trip that takes it, also when taking over a stale lock', async () => {
    const deployRoot = root();
    const then = `echo "--read--"; cat ${deployRoot}/.homelab.lock/holder.json | grep -c token; exit 3`;
    const lock = new HostLock(local, deployRoot);
    // What it printed comes back; its own exit status does not fail the lock.
    expect((await lock.acquire({ command: 'deploy a', waitMs: 0, thenRun: { script: then } }))?.stdout).toBe('--read--\n1\n');
    expect((await lockStatus(local, deployRoot)).holder?.command).toBe('deploy a');
    // Held by another: `then` does not run; without `then`, nothing comes back.
    await expect(new HostLock(local, deployRoot).acquire({ command: 'deploy b', waitMs: 0, thenRun: { script: then } })).rejects.toThrow(
      /is locked by/,
    );
    await lock.release();
    expect(await new HostLock(local, deployRoot).acquire({ command: 'deploy c', waitMs: 0 })).toBeUndefined();
    rmSync(join(deployRoot, '.homelab.lock'), { recursive: true });
    staleLock(deployRoot);
    const taking = new HostLock(local, deployRoot);
    expect((await taking.acquire({ command: 'deploy d', waitMs: 0, thenRun: { script: then } }))?.stdout).toBe('--read--\n1\n');
    expect((await lockStatus(local, deployRoot)).holder?.command).toBe('deploy d');
    // The last step: its script under the lock, then the release; run again (a retried round trip),
    // the lock is not ours any more and `lost` runs instead; after released() nothing is left to do.
    const marker = join(deployRoot, 'recorded');
    const last = taking.lastStep(`echo once >> ${marker}`, 'echo lost')!;
    expect((await local.run(['sh', '-c', last])).stdout).toBe('--released--\n');
    expect((await lockStatus(local, deployRoot)).held).toBe(false);
    await new HostLock(local, deployRoot).acquire({ command: 'deploy e', waitMs: 0 });
    expect((await local.run(['sh', '-c', last])).stdout).toBe('lost\n');
    expect(readFileSync(marker, 'utf8')).toBe('once\n');
    expect((await lockStatus(local, deployRoot)).holder?.command).toBe('deploy e');
    taking.released();
    expect(taking.lastStep('true', 'true')).toBeUndefined();
    // A failing script keeps the lock, for the caller's release.
    rmSync(join(deployRoot, '.homelab.lock'), { recursive: true });
    const keeping = new HostLock(local, deployRoot);
    await keeping.acquire({ command: 'deploy f', waitMs: 0 });
    const failed = await local.run(['sh', '-c', keeping.lastStep('exit 4', 'echo lost')!], { allowFailure: true });
    expect(failed.exitCode).toBe(4);
    expect((await lockStatus(local, deployRoot)).holder?.command).toBe('deploy f');
    await keeping.release();
    expect((await lockStatus(local, deployRoot)).held).toBe(false);
  });

  it('`thenRun` with a payload: the holder file gets exactly the holder, `then` the payload; a later try runs `retry` without it', async () => {
    const deployRoot = root();
    const thenRun = { script: `echo "got $(cat)"`, input: 'the payload', retry: 'echo retried; cat' };
    const lock = new HostLock(local, deployRoot);
    expect((await lock.acquire({ command: 'deploy a', waitMs: 0, thenRun }))?.stdout).toBe('got the payload\n');
    expect((await lockStatus(local, deployRoot)).holder).toMatchObject({ command: 'deploy a', pid: process.pid });
    // Held: the next acquire waits; its try after the release runs `retry`, with nothing on stdin after the holder.
    const waiting = new HostLock(local, deployRoot).acquire({ command: 'deploy b', waitMs: 10_000, thenRun });
    await new Promise((r) => setTimeout(r, 400));
    await lock.release();
    expect((await waiting)?.stdout).toBe('retried\n');
    expect((await lockStatus(local, deployRoot)).holder).toMatchObject({ command: 'deploy b' });
  });
});
