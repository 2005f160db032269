import { describe, expect, it } from 'vitest';
import { parsePruneInventory, planPrune, pruneHostScript } from './prune.ts';

const output = [
  '--service-- web releases/r4 r4',
  'r1',
  'r2',
  'r3',
  'r4',
  'r5.partial',
  '--service-- db releases/r1 r1',
  'r1',
  'r2',
  '--service-- api releases/r3 r1',
  'r1',
  'r2',
  'r3',
  '--compose-- /opt/homelab/web/releases/r1/compose.yaml',
  '    image: example/web:1.0',
  '--compose-- /opt/homelab/web/releases/r3/compose.yaml',
  '    image: example/web:1.2',
  '    image: "example/cache:7"',
  '--compose-- /opt/homelab/web/releases/r4/compose.yaml',
  '    image: example/web:1.3',
  '    image: "example/cache:7"',
  '--compose-- /opt/homelab/db/releases/r1/compose.yaml',
  '    image: mariadb:10.11',
  '--compose-- /opt/homelab/db/releases/r2/compose.yaml',
  '    image: mariadb:11.4',
  '--docker--',
  'example/web:1.0 aaa',
  'example/web:1.1 bbb',
  'example/web:1.2 ccc',
  'example/web:1.3 ddd',
  'example/cache:7 eee',
  'mariadb:10.11 fff',
  'mariadb:11.4 ggg',
  'someone/else:1 hhh',
  '<none>:<none> iii',
].join('\n');

describe('prune', () => {
  it('keeps the newest releases, the current and the last healthy one, drops partial stagings, and only images the removed folders named', () => {
    const inv = parsePruneInventory(output, '/opt/homelab');
    expect(inv.services).toEqual([
      { service: 'web', releases: ['r1', 'r2', 'r3', 'r4', 'r5.partial'], current: 'r4', healthy: 'r4' },
      { service: 'db', releases: ['r1', 'r2'], current: 'r1', healthy: 'r1' },
      { service: 'api', releases: ['r1', 'r2', 'r3'], current: 'r3', healthy: 'r1' },
    ]);
    // Keep 2: web keeps r3, r4; db keeps r1 (current, older than r2) and r2; api keeps r2, r3 and its last
    // healthy r1 (current r3 never passed its health test: a rollback goes to r1). Images: only what the
    // removed folders named (web r1: example/web:1.0); example/web:1.1, named by no release, stays.
    expect(planPrune('ocean', inv, 2)).toEqual({
      host: 'ocean',
      releases: ['web/releases/r1', 'web/releases/r2', 'web/releases/r5.partial'],
      images: ['example/web:1.0'],
    });
    // Keep 1: the newest, the current and the last healthy one.
    expect(planPrune('ocean', inv, 1)).toMatchObject({
      releases: ['api/releases/r2', 'web/releases/r1', 'web/releases/r2', 'web/releases/r3', 'web/releases/r5.partial'],
      images: ['example/web:1.0', 'example/web:1.2'],
    });
  });

  it('removes with one script; an image still in use is kept and said', () => {
    expect(pruneHostScript('/opt/homelab', { host: 'ocean', releases: ['web/releases/r1'], images: ['example/web:1.0'] })).toBe(
      'rm -rf /opt/homelab/web/releases/r1\ndocker rmi example/web:1.0 >/dev/null 2>&1 || echo "kept example/web:1.0: a container still uses it" >&2',
    );
    expect(pruneHostScript('/opt/homelab', { host: 'ocean', releases: [], images: [] })).toBe('true');
  });
});
