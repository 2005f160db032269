// The whole tree is formatted and passes the lint rules (Biome, biome.json): the suite fails on a
// file that does not, as `nx affected -t lint` does in pull requests.
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';

describe('format and lint', () => {
  it('biome ci finds nothing in the repository', async () => {
    const r = await execa(join(repoRoot, 'node_modules/.bin/biome'), ['ci', '--colors=off', '.'], {
      cwd: repoRoot,
      reject: false,
      all: true,
    });
    expect(r.exitCode, String(r.all)).toBe(0);
  }, 60_000);
});
