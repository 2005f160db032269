// The bundled start (tools/cli/bin/bundle.js): the same command prints the same from the bundle as from
// the TypeScript sources, a service.ts gets the bundle's libraries, and a changed source means a new bundle.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';

const bin = join(repoRoot, 'tools/cli/bin/homelab.js');
const { bundleDir, removeOld } = (await import(pathToFileURL(join(repoRoot, 'tools/cli/bin/bundle.js')).href)) as {
  bundleDir(root: string): string;
  removeOld(dir: string, keep: string): void;
};
const cli = bundleDir(repoRoot);
const run = (env: Record<string, string>, ...args: string[]) =>
  execa(process.execPath, [bin, ...args], { reject: false, cwd: repoRoot, env: { ...env, HOMELAB_RESULTS_FILE: '' } });
const manifest = () =>
  JSON.parse(readFileSync(join(cli, 'manifest.json'), 'utf8')) as { dir: string; libs: Record<string, string>; inputs: [string, string][] };

describe('the bundled CLI', () => {
  it('prints what the sources print, exit codes included (render loads every service.ts through the bundle)', async () => {
    for (const args of [
      ['render', 'static-site', 'prometheus', '-i', 'lab'],
      ['--help'],
      ['deploy', '--no-such-option'],
      ['validate', 'no-such-service', '-i', 'lab'],
    ]) {
      const [bundled, source] = await Promise.all([run({}, ...args), run({ HOMELAB_BUNDLE: '0' }, ...args)]);
      expect({ args, code: bundled.exitCode, out: bundled.stdout, err: bundled.stderr }).toEqual({
        args,
        code: source.exitCode,
        out: source.stdout,
        err: source.stderr,
      });
    }
    const m = manifest();
    // The libraries a service.ts imports are entries of the bundle; the manifest watches the sources.
    expect(Object.keys(m.libs)).toEqual(expect.arrayContaining(['@homelab/model', '@homelab/monitoring', '@homelab/edge']));
    const watched = m.inputs.map(([file]) => file);
    expect(watched).toEqual(expect.arrayContaining(['tools/cli/src/main.ts', 'libs/deploy/src/pipeline.ts', 'tools/cli/bin/bundle.js']));
    expect(watched.filter((f) => f.startsWith('node_modules/'))).toEqual(['node_modules/.package-lock.json']);
  });

  it('is built again after a source file changed, and not otherwise', async () => {
    await run({}, '--version');
    const before = manifest().dir;
    await run({}, '--version');
    expect(manifest().dir).toBe(before);
    // A newer modification time stands for an edit (the content stays as it is).
    const file = join(repoRoot, 'tools/cli/src/format.ts');
    const { atime, mtime } = statSync(file);
    utimesSync(file, atime, new Date(mtime.getTime() + 1000));
    try {
      const r = await run({}, '--version');
      expect(r.exitCode).toBe(0);
      expect(manifest().dir).not.toBe(before);
    } finally {
      utimesSync(file, atime, mtime);
    }
  });

  it('never marks the build the manifest names as replaced, nor the one just built; others go an hour after being marked', () => {
    const checkouts = mkdtempSync(join(tmpdir(), 'homelab-bundles-'));
    const dir = join(checkouts, 'abc');
    try {
      for (const b of ['build-mine', 'build-theirs', 'build-old']) mkdirSync(join(dir, b), { recursive: true });
      // Another process finished after this one: the manifest names its build.
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 3, root: repoRoot, dir: 'build-theirs', entries: {} }));
      writeFileSync(join(dir, 'build-old', '.replaced'), '');
      const longAgo = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(join(dir, 'build-old', '.replaced'), longAgo, longAgo);
      removeOld(dir, 'build-mine');
      expect(existsSync(join(dir, 'build-mine', '.replaced'))).toBe(false);
      expect(existsSync(join(dir, 'build-theirs', '.replaced'))).toBe(false);
      expect(existsSync(join(dir, 'build-old'))).toBe(false);
    } finally {
      rmSync(checkouts, { recursive: true, force: true });
    }
  });
});
