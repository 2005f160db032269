import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeLock } from './lock.ts';

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
