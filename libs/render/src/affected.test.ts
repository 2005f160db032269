import { describe, expect, it } from 'vitest';
import { compareSnapshots, type RevisionSnapshot, type SnapshotRelease } from './affected.ts';

const release = (over: Partial<SnapshotRelease> = {}): SnapshotRelease => ({
  service: 'web',
  host: 'ocean',
  parts: { 'compose.yaml': 'c1', 'systemd unit': 'u1', 'health test': 'h1', placement: 'p1', 'secret names': 's1' },
  images: { web: 'nginx:1.27' },
  secrets: ['TOKEN'],
  secretValues: { TOKEN: 'envelope-1' },
  ...over,
});
const snap = (releases: Record<string, SnapshotRelease>, over: Partial<RevisionSnapshot> = {}): RevisionSnapshot => ({
  inventory: 'production',
  releases,
  notDeployed: {},
  broken: {},
  ...over,
});
const unknown = () => undefined;

describe('compareSnapshots', () => {
  it('equal releases select nothing; each differing part is a reason', () => {
    expect(compareSnapshots(snap({ web: release() }), snap({ web: release() }), unknown).affected).toEqual([]);
    const head = release({ images: { web: 'nginx:1.28' }, parts: { ...release().parts, 'files/site.conf': 'f1', 'health test': 'h2' } });
    expect(compareSnapshots(snap({ web: release() }), snap({ web: head }), unknown).affected).toEqual([
      {
        service: 'web',
        host: 'ocean',
        reasons: ['image of web: nginx:1.27 -> nginx:1.28', 'files/site.conf added', 'health test changed'],
      },
    ]);
  });

  it('secret values: equal stored forms need no password; different ones are decided by the comparer', () => {
    const head = release({ secretValues: { TOKEN: 'envelope-2' } });
    expect(compareSnapshots(snap({ web: release() }), snap({ web: head }), () => true).affected).toEqual([]);
    expect(compareSnapshots(snap({ web: release() }), snap({ web: head }), () => false).affected[0]!.reasons).toEqual([
      'secret TOKEN changed',
    ]);
    expect(compareSnapshots(snap({ web: release() }), snap({ web: head }), unknown).affected[0]!.reasons).toEqual([
      'secret TOKEN re-encrypted or changed (no vault password to compare the values)',
    ]);
  });

  it('new, removed, broken and an unreadable base', () => {
    const r = compareSnapshots(
      snap({ old: release({ service: 'old' }) }),
      snap({ web: release() }, { notDeployed: { old: 'exists only in inventory lab' }, broken: { bad: 'SyntaxError' } }),
      unknown,
    );
    expect(r.affected).toEqual([{ service: 'web', host: 'ocean', reasons: ['new in inventory production: new service'] }]);
    expect(r.removed).toEqual([{ service: 'old', host: 'ocean', why: 'exists only in inventory lab' }]);
    expect(r.broken).toEqual([{ service: 'bad', message: 'SyntaxError' }]);
    const fromNothing = compareSnapshots(snap({}, { unreadable: 'no inventory named "production"' }), snap({ web: release() }), unknown);
    expect(fromNothing.affected[0]!.reasons).toEqual([
      'new in inventory production: the base revision could not be read (no inventory named "production")',
    ]);
  });
});
