import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@homelab/model';
import type { CommandContext } from './context.ts';
import { factsCommand } from './facts.ts';
import { describeLock, lockCommand } from './lock.ts';
import { pruneCommand } from './prune.ts';

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

// No host is reached: the production inventory without permission refuses every connection, so an
// unknown name must be reported before that (and before any lock, on any host, is touched).
describe('host names on the command line', () => {
  const ctx = (args: string[]): CommandContext =>
    ({ args, inventory: 'production', allowProduction: false, options: {}, json: false, out: () => {}, err: () => {} }) as CommandContext;
  const refused = async (run: Promise<number>) => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it('every unknown name is one error, listing the known hosts, before anything is reached', async () => {
    const message = await refused(lockCommand(ctx(['release', 'ocean', 'oecan', 'dns02'])));
    expect(message).toContain('inventories/production: oecan: no host "oecan"');
    expect(message).toContain('inventories/production: dns02: no host "dns02"');
    expect(message).toMatch(/one of: .*ocean/);
    expect(message).not.toContain('"ocean"');
    expect(await refused(lockCommand(ctx(['acquire', 'nas'])))).toContain('no host "nas"');
    expect(await refused(pruneCommand(ctx(['nas'])))).toContain('no host "nas"');
    expect(await refused(factsCommand(ctx(['ocean', 'nas'])))).toContain('no host "nas"');
  });
});
