import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LockError, LockHeldError, type RunOptions } from '@homelab/host';
import { FakeExecutor } from '@homelab/deploy/testing';
import { inventory } from '@homelab/model/testing';
import type { CommandContext } from './context.ts';
import { acquireAll, describeLock, type LockOptions } from './lock.ts';

describe('lock status', () => {
  const holder = {
    token: 't',
    holder: 'ci@runner',
    hostname: hostname(),
    pid: process.pid,
    command: 'deploy plex',
    startedAt: '2026-11-26T07:00:00Z',
  };
  it('says who holds it, and when the next deploy will take it over as stale (and why)', () => {
    expect(describeLock({ held: true, holder, ageSeconds: 12 })).toBe(
      `locked by ci@runner (pid ${process.pid}, "deploy plex", since 2026-11-26T07:00:00Z, 12s)`,
    );
    expect(describeLock({ held: true, holder: { ...holder, pid: 999_999_999 }, ageSeconds: 12 })).toMatch(
      /: STALE \(its process is gone\); the next deploy takes it over$/,
    );
    expect(describeLock({ held: true, holder: { ...holder, hostname: 'elsewhere' }, ageSeconds: 4000 })).toMatch(
      /: STALE \(it is older than 3600s\); the next deploy takes it over$/,
    );
    expect(describeLock({ held: true, holder: undefined, ageSeconds: 45 })).toBe(
      'locked by an unknown holder (45s): STALE (it has no holder file); the next deploy takes it over',
    );
    expect(describeLock({ held: true, holder: undefined, ageSeconds: 5 })).toBe('locked by an unknown holder (5s)');
  });

  it('a lock taken by hand shows its message, never goes stale, and deploys that meet it say why', async () => {
    const manual = { ...holder, pid: 999_999_999, command: 'lock acquire', message: 'replacing the ZFS disk', manual: true };
    expect(describeLock({ held: true, holder: manual, ageSeconds: 90_000 })).toBe(
      `locked by hand by ci@runner (pid 999999999, "lock acquire", since 2026-11-26T07:00:00Z, 90000s): "replacing the ZFS disk"; \`homelab lock release\` frees it`,
    );
    const { LockHeldError } = await import('@homelab/host');
    expect(new LockHeldError('ocean', manual, 0).message).toBe(
      'ocean is locked by ci@runner (pid 999999999, "lock acquire", since 2026-11-26T07:00:00Z): "replacing the ZFS disk"\n  fix: it was taken by hand; `homelab lock release ocean` when the work it announces is done',
    );
  });
});

class RecordingExecutor extends FakeExecutor {
  readonly signals: Array<AbortSignal | undefined> = [];
  override sh(script: string, o: RunOptions = {}) {
    this.signals.push(o.signal);
    return super.sh(script, o);
  }
}

// acquireAll on faked hosts: which scripts reach which host, and what the operator is told.
describe('lock acquire of several hosts: all or nothing', () => {
  const hostSpec = (name: string) => ({ ...inventory([]).hosts.ocean!, name, deployRoot: `/srv/${name}` });
  const take = /^mkdir -p /;
  const release = /^if grep -q /;
  const heldByHand = `HELD\nage=5\n${JSON.stringify({ token: 'x', holder: 'ann@laptop', hostname: 'laptop', pid: 1, command: 'lock acquire', startedAt: '2026-11-27T08:00:00Z', message: 'UPS test', manual: true })}`;
  const run = async (answers: Record<string, FakeExecutor>, names: string[], signal?: AbortSignal) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx = {
      args: ['acquire', ...names],
      inventory: 'lab',
      allowProduction: false,
      options: { message: 'kernel update' },
      json: false,
      signal,
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
    } satisfies CommandContext<LockOptions>;
    const result = await acquireAll(ctx, names.map(hostSpec), (h) => answers[h.name]!).then(
      (code) => ({ code, error: undefined }),
      (error: unknown) => ({ code: undefined, error }),
    );
    return { ...result, out, err };
  };

  it('hosts are taken in name order; one already locked releases those taken before it, and nothing after it is tried', async () => {
    const a = new FakeExecutor('a', [
      [take, 'ACQUIRED\n'],
      [release, ''],
    ]);
    const b = new FakeExecutor('b', [[take, heldByHand]]);
    // c records the signal it is given: a lock taken by hand stops retrying once stopped.
    const c = new RecordingExecutor('c', [[take, 'ACQUIRED\n']]);
    const r = await run({ a, b, c }, ['c', 'b', 'a']);
    expect(r.error).toBeInstanceOf(LockHeldError);
    expect(r.out).toEqual(['a: locked: "kernel update"; `homelab lock release a` to free it']);
    expect(r.err).toEqual(['a: lock released again (not every host could be locked)']);
    // The release names this command's own token (that of the holder it sent).
    const token = (JSON.parse(a.calls[0]!.input!) as { token: string }).token;
    expect(a.calls.map((c) => c.script)).toEqual([expect.stringMatching(take), expect.stringContaining(`"token":"${token}"`)]);
    expect(c.calls).toEqual([]);
  });

  it('a host that gave no answer is named as possibly locked; a release that fails says the host is still locked', async () => {
    const a = new FakeExecutor('a', [
      [take, 'ACQUIRED\n'],
      [release, { exitCode: 255, stderr: 'ssh: connect to host a port 22: Connection refused' }],
    ]);
    const b = new FakeExecutor('b', [[take, { exitCode: 255, stderr: 'ssh: connect to host b port 22: Connection timed out' }]]);
    const r = await run({ a, b }, ['a', 'b']);
    expect(r.error).toBeInstanceOf(LockError);
    expect((r.error as LockError).connectionLost).toBe(true);
    expect((r.error as LockError).hint).toContain('it may be held all the same: `homelab lock status b`');
    expect(r.err[0]).toMatch(/^b: no answer came, the lock may have been taken all the same: `homelab lock status b`/);
    expect(r.err[1]).toMatch(/^a: still locked by this command: .*; `homelab lock release a` frees it$/);
  });

  it('a host that refuses the lock (read-only, disk full) took nothing: only the hosts before it are released', async () => {
    const a = new FakeExecutor('a', [
      [take, 'ACQUIRED\n'],
      [release, ''],
    ]);
    const b = new FakeExecutor('b', [[take, "FAILED sh: can't create /srv/b/.homelab.lock/holder.json: Read-only file system\n"]]);
    const r = await run({ a, b }, ['a', 'b']);
    expect(r.error).toBeInstanceOf(LockError);
    expect((r.error as LockError).connectionLost).toBe(false);
    expect(r.err).toEqual(['a: lock released again (not every host could be locked)']);
  });

  it('stopped by a signal between two hosts: what was taken is released, exit 130', async () => {
    const stop = new AbortController();
    const a = new FakeExecutor('a', [
      [
        take,
        () => {
          stop.abort('SIGINT');
          return 'ACQUIRED\n';
        },
      ],
      [release, ''],
    ]);
    const b = new FakeExecutor('b', [[take, 'ACQUIRED\n']]);
    const r = await run({ a, b }, ['a', 'b'], stop.signal);
    expect(r.code).toBe(130);
    expect(r.err).toEqual(['a: lock released again (stopped by SIGINT)']);
    expect(b.calls).toEqual([]);
  });

  it('stopped while a host does not answer: the hosts taken before it are released, in reverse order, and it is named', async () => {
    const stop = new AbortController();
    const a = new FakeExecutor('a', [
      [take, 'ACQUIRED\n'],
      [release, ''],
    ]);
    const b = new FakeExecutor('b', [
      [take, 'ACQUIRED\n'],
      [release, ''],
    ]);
    // c records the signal it is given: a lock taken by hand stops retrying once stopped.
    const c = new RecordingExecutor('c', [
      [
        take,
        () => {
          stop.abort('SIGTERM');
          return { exitCode: 255, stderr: 'Connection to c closed by remote host.' };
        },
      ],
    ]);
    const r = await run({ a, b, c }, ['a', 'b', 'c'], stop.signal);
    expect(c.signals).toEqual([stop.signal]);
    expect(r.error).toBeInstanceOf(LockError);
    expect(r.err).toEqual([
      expect.stringMatching(/^c: no answer came, the lock may have been taken all the same/),
      'b: lock released again (stopped by SIGTERM)',
      'a: lock released again (stopped by SIGTERM)',
    ]);
  });

  it('stopped before the first host: no host is reached', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const a = new FakeExecutor('a', [[take, 'ACQUIRED\n']]);
    const r = await run({ a }, ['a'], stop.signal);
    expect(r.code).toBe(130);
    expect(a.calls).toEqual([]);
  });

  it('every host locked: exit 0, nothing released', async () => {
    const a = new FakeExecutor('a', [[take, 'ACQUIRED\n']]);
    const b = new FakeExecutor('b', [[take, 'ACQUIRED\n']]);
    const r = await run({ a, b }, ['b', 'a']);
    expect(r.code).toBe(0);
    expect(r.out.map((l) => l.split(':')[0])).toEqual(['a', 'b']);
    expect([...a.calls, ...b.calls].every((c) => take.test(c.script))).toBe(true);
  });
});
