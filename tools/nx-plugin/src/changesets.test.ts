// Per-service versions with changesets: a version and CHANGELOG.md per service, dependents bumped.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '@homelab/model/testing';
import { throwawayRepo, gitEnv, type ThrowawayRepo } from './testing.ts';

let repo: ThrowawayRepo;
beforeAll(async () => {
  // As right after a release: the repository's own pending changesets are not part of this test.
  repo = await throwawayRepo((root) => {
    for (const f of readdirSync(join(root, '.changeset'))) if (f.endsWith('.md') && f !== 'README.md') rmSync(join(root, '.changeset', f));
  });
}, 120_000);
afterAll(() => rmSync(repo.root, { recursive: true, force: true }));

const version = (pkg: string) => (JSON.parse(readFileSync(join(repo.root, pkg, 'package.json'), 'utf8')) as { version: string }).version;

describe('changesets', () => {
  it('versions a service with its changelog, and bumps the services of a changed library', async () => {
    writeFileSync(join(repo.root, '.changeset/plex-update.md'), '---\n"@homelab/plex": minor\n---\n\nPlex 1.41.4 with HEVC transcoding.\n');
    writeFileSync(
      join(repo.root, '.changeset/gpu-fix.md'),
      '---\n"@homelab/gpu": patch\n---\n\nCount the CUDA context in the VRAM estimate.\n',
    );
    const before = { plex: version('packages/plex'), llama: version('packages/llama-cpp'), loki: version('packages/loki') };
    const r = await execa(process.execPath, [join(repo.root, 'node_modules/@changesets/cli/bin.js'), 'version'], {
      cwd: repo.root,
      env: gitEnv,
      reject: false,
      all: true,
    });
    expect(r.exitCode, String(r.all)).toBe(0);

    expect(version('packages/plex')).toBe('1.1.0');
    expect(readFileSync(join(repo.root, 'packages/plex/CHANGELOG.md'), 'utf8')).toContain(
      '## 1.1.0\n\n### Minor Changes\n\n- Plex 1.41.4 with HEVC transcoding.',
    );
    // llama-cpp imports @homelab/gpu: a patch of the library is a patch of the service.
    expect(version('packages/llama-cpp')).not.toBe(before.llama);
    expect(readFileSync(join(repo.root, 'packages/llama-cpp/CHANGELOG.md'), 'utf8')).toMatch(
      /### Patch Changes\n\n- Updated dependencies\n {2}- @homelab\/gpu@0\.1\.1/,
    );
    // A service that does not use the library keeps its version.
    expect(version('packages/loki')).toBe(before.loki);
  });
});

describe("the repository's pending changesets", () => {
  // Biome once formatted them as Markdown (a one-package front matter became a `##` heading), which
  // `changeset version` then refuses: each must stay front matter naming workspace packages and a bump.
  it('each is front matter naming packages of this workspace with patch, minor or major, then a summary', () => {
    const packages = new Set(
      ['libs', 'tools', 'packages'].flatMap((dir) =>
        readdirSync(join(repoRoot, dir)).flatMap((name) => {
          try {
            return [(JSON.parse(readFileSync(join(repoRoot, dir, name, 'package.json'), 'utf8')) as { name: string }).name];
          } catch {
            return [];
          }
        }),
      ),
    );
    const files = readdirSync(join(repoRoot, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    for (const file of files) {
      const text = readFileSync(join(repoRoot, '.changeset', file), 'utf8');
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
      expect(m, `${file}: no front matter between --- lines`).not.toBeNull();
      const bumps = parse(m![1]!) as Record<string, string>;
      expect(Object.keys(bumps ?? {}).length, `${file}: names no package`).toBeGreaterThan(0);
      for (const [name, bump] of Object.entries(bumps)) {
        expect(packages.has(name), `${file}: ${name} is not a package of this workspace`).toBe(true);
        expect(['patch', 'minor', 'major'], `${file}: ${name}`).toContain(bump);
      }
      expect(m![2]!.trim().length, `${file}: no summary`).toBeGreaterThan(0);
    }
  });
});
