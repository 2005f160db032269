// Every test of the suite belongs to exactly one project's `test` target: `nx run-many -t test` runs
// each test of `npm test` once, and each project's target runs only its own.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';

const env = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const vitest = join(repoRoot, 'node_modules/vitest/vitest.mjs');

async function listFiles(filter: string[]): Promise<string[]> {
  const r = await execa(process.execPath, [vitest, 'list', '--filesOnly', ...filter], { cwd: repoRoot, env });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.endsWith('.test.ts'))
    .sort();
}

describe('test targets', () => {
  it('partition the whole suite: every test file in exactly one project target, none left out', async () => {
    const graphFile = join(tmpdir(), `homelab-graph-${process.pid}.json`);
    await execa(process.execPath, [join(repoRoot, 'node_modules/nx/dist/bin/nx.js'), 'graph', `--file=${graphFile}`], {
      cwd: repoRoot,
      env,
    });
    const graph = JSON.parse(readFileSync(graphFile, 'utf8')) as {
      graph: { nodes: Record<string, { data: { root: string; targets?: Record<string, { options?: { command?: string } }> } }> };
    };
    rmSync(graphFile, { force: true });
    const commands = Object.entries(graph.graph.nodes).flatMap(([name, node]) => {
      const command = node.data.targets?.test?.options?.command;
      return command ? [{ name, command }] : [];
    });
    expect(commands.length).toBeGreaterThan(8);
    const all = await listFiles([]);
    const covered: string[] = [];
    for (const { name, command } of commands) {
      const [bin, run, ...filter] = command.split(' ');
      expect([bin, run]).toEqual(['vitest', 'run']);
      const files = await listFiles(filter);
      expect(files.length, `${name}: its target runs no test`).toBeGreaterThan(0);
      covered.push(...files);
    }
    expect(covered.sort()).toEqual(all);
  }, 180_000);
});
