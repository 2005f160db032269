// The plugin and its executor as Nx loads them (plugin.js, executor.js): from the bundle that
// tools/cli/bin/bundle.js builds, the same as from the TypeScript sources, and built again after an edit.
import { rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import * as executorSource from './executors/cli.ts';
import * as source from './index.ts';
import { inferDependencies, inferProjects, pluginWorkspace } from './testing.ts';

const { bundledEntry, freshEntry } = (await import(pathToFileURL(join(repoRoot, 'tools/cli/bin/bundle.js')).href)) as {
  bundledEntry(root: string, name: string, entry: string): Promise<string | undefined>;
  freshEntry(root: string, name: string, entry: string): string | undefined;
};

const { root, files } = pluginWorkspace();
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function graph(plugin: typeof source) {
  const projects = await inferProjects(plugin, root, files);
  const byName = Object.fromEntries(
    Object.entries(projects).map(([projectRoot, p]) => [p.name ?? projectRoot, { ...p, root: projectRoot }]),
  );
  return { projects, deps: await inferDependencies(plugin, root, byName) };
}

describe("the Nx plugin's bundle", () => {
  it('infers the same projects, targets and edges as the sources', async () => {
    const url = await bundledEntry(repoRoot, 'nx-plugin', 'plugin');
    expect(url).toBeDefined();
    const bundled = (await import(url!)) as typeof source;
    const [fromBundle, fromSource] = await Promise.all([graph(bundled), graph(source)]);
    expect(Object.keys(fromBundle.projects).length).toBeGreaterThan(0);
    expect(fromBundle.deps.length).toBeGreaterThan(0);
    expect(fromBundle).toEqual(fromSource);
    expect(bundled.hostProjectName('lab', 'ocean')).toBe(source.hostProjectName('lab', 'ocean'));
  });

  it("gives the executor's batch the same results as the sources", async () => {
    const url = await bundledEntry(repoRoot, 'nx-plugin', 'executor');
    expect(url).toBeDefined();
    const bundled = (await import(url!)) as typeof executorSource;
    const taskGraph = {
      tasks: { 'a:validate': {}, 'a:deploy': {}, 'b:validate': {}, 'b:deploy': {} },
      dependencies: { 'a:deploy': ['a:validate'], 'b:deploy': ['b:validate'], 'a:validate': [], 'b:validate': [] },
    } as never;
    const inputs = Object.fromEntries(
      ['a', 'b'].flatMap((s) => ['validate', 'deploy'].map((c) => [`${s}:${c}`, { command: c, service: s, inventory: 'lab' }])),
    ) as never;
    // b's validate fails: its deploy is skipped, a's goes on; the fake run names what it was asked.
    const run = async (options: { command: string }, services: string[]) => ({
      code: 0,
      output: `${options.command} ${services.join(' ')}\n`,
      outcomes: new Map(
        services.map((s) => [s, { service: s, ok: !(s === 'b' && options.command === 'validate'), summary: `${options.command} ${s}` }]),
      ),
    });
    const strip = (r: Record<string, { startTime?: number; endTime?: number }>) =>
      Object.fromEntries(Object.entries(r).map(([id, { startTime: _s, endTime: _e, ...rest }]) => [id, rest]));
    const [a, b] = await Promise.all([bundled.runBatch(taskGraph, inputs, run), executorSource.runBatch(taskGraph, inputs, run)]);
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)['b:deploy']).toMatchObject({ status: 'skipped' });
    expect(typeof bundled.batch).toBe('function');
    expect(typeof bundled.default).toBe('function');
  });

  it('is built again after a source file of the plugin changed, and only then', async () => {
    const first = await bundledEntry(repoRoot, 'nx-plugin', 'plugin');
    expect(freshEntry(repoRoot, 'nx-plugin', 'plugin')).toBeDefined();
    expect(await bundledEntry(repoRoot, 'nx-plugin', 'plugin')).toBe(first);
    // A newer modification time stands for an edit (the content stays as it is).
    const file = join(repoRoot, 'tools/nx-plugin/src/targets.ts');
    const { atime, mtime } = statSync(file);
    utimesSync(file, atime, new Date(mtime.getTime() + 1000));
    try {
      // The executor's entry (loaded without building) is not used while stale; the next plugin load builds.
      expect(freshEntry(repoRoot, 'nx-plugin', 'executor')).toBeUndefined();
      const second = await bundledEntry(repoRoot, 'nx-plugin', 'plugin');
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(freshEntry(repoRoot, 'nx-plugin', 'executor')).toBeDefined();
    } finally {
      utimesSync(file, atime, mtime);
    }
  });

  it('plugin.js (imported, as Nx falls back to for it) and executor.js (required, as Nx loads it) export what the sources export', async () => {
    const plugin = (await import(pathToFileURL(join(repoRoot, 'tools/nx-plugin/plugin.js')).href)) as Record<string, unknown>;
    const runtime = (m: Record<string, unknown>) =>
      Object.keys(m)
        .filter((k) => k !== 'default' && m[k] !== undefined)
        .sort();
    expect(runtime(plugin)).toEqual(runtime(source as unknown as Record<string, unknown>));
    const executor = createRequire(import.meta.url)(join(repoRoot, 'tools/nx-plugin/executor.js')) as Record<string, unknown>;
    expect(typeof executor.default).toBe('function');
    expect(typeof executor.batch).toBe('function');
    // executors.json names these two exports of this file.
    const json = createRequire(import.meta.url)(join(repoRoot, 'tools/nx-plugin/executors.json')) as {
      executors: Record<string, { implementation: string; batchImplementation: string }>;
    };
    expect(json.executors.cli).toMatchObject({ implementation: './executor.js', batchImplementation: './executor.js#batch' });
  });
});
