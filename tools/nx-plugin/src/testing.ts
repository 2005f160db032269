// A throw-away git repository made from this workspace's tracked files, for change-detection tests.
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { linkNodeModules } from '@homelab/model';
import { repoRoot, serviceTs, tempWorkspace } from '@homelab/model/testing';
import type { CreateDependenciesContext, CreateNodesContextV2, ProjectConfiguration, RawProjectGraphDependency } from '@nx/devkit';
import type { createDependencies, createNodesV2 } from './plugin.ts';

export const gitEnv = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@lab',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@lab',
};

export interface ThrowawayRepo {
  root: string;
  git: (...args: string[]) => Promise<unknown>;
  commitAll: (message: string) => Promise<void>;
  nx: (...args: string[]) => ReturnType<typeof execa>;
}

export async function throwawayRepo(prepare: (root: string) => void = () => {}): Promise<ThrowawayRepo> {
  const root = mkdtempSync(join(tmpdir(), 'homelab-repo-'));
  const files = (await execa('git', ['ls-files'], { cwd: repoRoot })).stdout.split('\n').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(root, f));
    } catch {
      // tracked but deleted in the working tree
    }
  }
  // Its own @homelab/* packages: a change to a library in the clone is what the clone runs.
  linkNodeModules(root, repoRoot);
  prepare(root);
  const git = (...args: string[]) => execa('git', args, { cwd: root, env: gitEnv });
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
  const commitAll = async (message: string) => {
    await git('add', '-A');
    await git('commit', '-qm', message);
  };
  await commitAll('base');
  return {
    root,
    git,
    commitAll,
    nx: (...args: string[]) =>
      execa(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
        cwd: root,
        env: gitEnv,
        reject: false,
        all: true,
      }),
  };
}

// A small workspace for the plugin: two services (one placed in both inventories), hosts in two
// inventories, a package with tests and the CLI with lab tests; `files` as Nx would give them.
export function pluginWorkspace(): { root: string; files: string[] } {
  const content: Record<string, string> = {
    'packages/web/service.ts': serviceTs({ description: 'web', host: 'ocean', health: { probes: [{ type: 'tcp', port: 80 }] } }),
    'packages/dns/service.ts': serviceTs({ description: 'dns', host: 'dns01', health: { probes: [{ type: 'tcp', port: 53 }] } }),
    'inventories/production/inventory.yaml': 'name: production\nproduction: true\n',
    'inventories/production/ocean/host.yaml': 'address: 192.168.1.143\n',
    'inventories/production/dns01/host.yaml': 'address: dns01.home\n',
    'inventories/lab/inventory.yaml': 'name: lab\n',
    'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n',
    'packages/web/package.json': '{ "name": "@homelab/web" }',
    'packages/web/src/web.test.ts': '',
    'packages/dns/package.json': '{ "name": "@homelab/dns" }',
    'tools/cli/package.json': '{ "name": "@homelab/cli" }',
    'tools/cli/src/deploy.lab.test.ts': '',
    'tools/cli/src/nested/more.test.ts': '',
  };
  // (Nx gives the plugin the files its createNodes pattern matches: not the test files)
  return { root: tempWorkspace(content), files: Object.keys(content).filter((f) => !f.endsWith('.test.ts')) };
}

interface Plugin {
  createNodesV2: typeof createNodesV2;
  createDependencies: typeof createDependencies;
}

/** The projects `plugin` infers from `files`, by root; nodes at one root merged as Nx merges them. */
export async function inferProjects(plugin: Plugin, root: string, files: string[]): Promise<Record<string, ProjectConfiguration>> {
  const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
  const results = await plugin.createNodesV2[1](files, {}, context);
  const merged: Record<string, ProjectConfiguration> = {};
  for (const [projectRoot, p] of results.flatMap(([, r]) => Object.entries(r.projects ?? {}))) {
    const before = merged[projectRoot];
    merged[projectRoot] = { ...before, ...(p as ProjectConfiguration), targets: { ...before?.targets, ...p.targets } };
  }
  return merged;
}

/** The edges `plugin` adds between `projects` (by name). */
export async function inferDependencies(
  plugin: Plugin,
  root: string,
  projects: Record<string, ProjectConfiguration>,
): Promise<RawProjectGraphDependency[]> {
  return plugin.createDependencies({}, {
    workspaceRoot: root,
    projects,
    nxJsonConfiguration: {},
    fileMap: { projectFileMap: {}, nonProjectFiles: [] },
    filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    externalNodes: {},
  } as unknown as CreateDependenciesContext);
}
