// The local Nx plugin: a project per service (packages/*/service.ts), per inventory host, per inventory,
// and edges service -> host -> inventory so that `nx affected` follows placement.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
// Types only: loading @nx/devkit at run time costs every Nx command about a quarter of a second (the plugin
// runs in its own worker process, started for each command when the daemon is off, as in CI).
import type {
  CreateDependencies,
  CreateNodesResult,
  CreateNodesV2,
  DependencyType,
  RawProjectGraphDependency,
  TargetConfiguration,
} from '@nx/devkit';
import { createLintTarget, createServiceTargets, createTestTarget } from './targets.ts';

export interface HomelabPluginOptions {
  /** Folder holding one folder per inventory. */
  inventoriesDir?: string;
}

export function hostProjectName(inventory: string, host: string): string {
  return `host-${inventory}-${host}`;
}

export function inventoryProjectName(inventory: string): string {
  return `inventory-${inventory}`;
}

/** The project that renders and deploys every service: the CLI, and through its imports every library. */
export const cliProject = '@homelab/cli';

// The test files under a project folder (node_modules and fixtures aside), relative to the folder.
function testFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...testFiles(join(dir, entry.name), rel));
    else if (entry.name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

function inventories(workspaceRoot: string, dir: string): string[] {
  const root = join(workspaceRoot, dir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'inventory.yaml')))
    .sort();
}

export const createNodesV2: CreateNodesV2<HomelabPluginOptions> = [
  '{packages/*/service.ts,inventories/*/inventory.yaml,inventories/*/*/host.yaml,{libs,tools,packages}/*/package.json}',
  async (files, options, context) =>
    files.map((file): [string, CreateNodesResult] => [
      file,
      ((): CreateNodesResult => {
        const root = dirname(file);
        const invDir = options?.inventoriesDir ?? 'inventories';
        if (basename(file) === 'package.json') {
          // Every library, tool and package is linted; one with tests gets a `test` target running exactly its own.
          const tests = testFiles(join(context.workspaceRoot, root));
          const targets: Record<string, TargetConfiguration> = { lint: createLintTarget(root) };
          if (tests.length)
            targets.test = createTestTarget(
              root,
              tests.some((t) => t.endsWith('.lab.test.ts')),
            );
          return { projects: { [root]: { root, targets } } };
        }
        if (basename(file) === 'service.ts') {
          const name = basename(root);
          return {
            projects: {
              [root]: {
                name,
                root,
                projectType: 'application',
                tags: ['type:service'],
                targets: createServiceTargets(name, { inventories: inventories(context.workspaceRoot, invDir) }),
              },
            },
          };
        }
        if (basename(file) === 'inventory.yaml') {
          const inventory = basename(root);
          return { projects: { [root]: { name: inventoryProjectName(inventory), root, tags: ['type:inventory'], targets: {} } } };
        }
        const inventory = basename(dirname(root));
        return {
          projects: {
            [root]: { name: hostProjectName(inventory, basename(root)), root, tags: ['type:host', `inventory:${inventory}`], targets: {} },
          },
        };
      })(),
    ]),
];

const staticDependency = 'static' as DependencyType.static;
const implicitDependency = 'implicit' as DependencyType.implicit;

// Pure: the host of a service.ts read from its text: the one top-level `host: '<name>'` of its
// defineService object (as Biome formats it). Undefined when there is not exactly one such line.
export function literalHost(text: string): string | undefined {
  const found = [...text.matchAll(/^ {2}host: ['"]([a-z0-9][a-z0-9.-]*)['"],?$/gm)];
  return found.length === 1 ? found[0]![1] : undefined;
}

// The host a service.ts places its service on: read from its text when it is a literal (every service
// here; importing 40 service.ts costs the graph about a second), else by importing the file (fresh on
// every change).
async function serviceHost(file: string): Promise<string | undefined> {
  const literal = literalHost(readFileSync(file, 'utf8'));
  if (literal) return literal;
  const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
  const mod = (await import(url)) as { default?: { input?: { host?: unknown } } };
  const host = mod.default?.input?.host;
  return typeof host === 'string' ? host : undefined;
}

// Pure: whether a service.ts generates files from the catalog (its top-level `generated:`): nginx's vhosts,
// the zone, the scrape config read every service and host, so a change to any of them changes its release.
export function generatesFromCatalog(text: string): boolean {
  return /^ {2}generated: /m.test(text);
}

export const createDependencies: CreateDependencies<HomelabPluginOptions> = async (options, context) => {
  const deps: RawProjectGraphDependency[] = [];
  const projects = context.projects;
  const byName = new Set(Object.keys(projects));
  const invDir = options?.inventoriesDir ?? 'inventories';
  const invs = inventories(context.workspaceRoot, invDir);

  for (const inventory of invs) {
    for (const host of readdirSync(join(context.workspaceRoot, invDir, inventory))) {
      const hostProject = hostProjectName(inventory, host);
      if (!byName.has(hostProject)) continue;
      deps.push({
        source: hostProject,
        target: inventoryProjectName(inventory),
        type: staticDependency,
        sourceFile: `${invDir}/${inventory}/${host}/host.yaml`,
      });
    }
  }
  const serviceProjects = Object.values(projects).flatMap((p) =>
    p.root.startsWith('packages/') && p.name && existsSync(join(context.workspaceRoot, p.root, 'service.ts')) ? [p.name] : [],
  );
  const hostProjects = Object.values(projects).flatMap((p) => (p.name && p.tags?.includes('type:host') ? [p.name] : []));
  for (const project of Object.values(projects)) {
    const root = project.root;
    const file = join(context.workspaceRoot, root, 'service.ts');
    if (!root.startsWith('packages/') || !existsSync(file) || !project.name) continue;
    if (generatesFromCatalog(readFileSync(file, 'utf8')))
      for (const target of [...serviceProjects, ...hostProjects])
        if (target !== project.name) deps.push({ source: project.name, target, type: implicitDependency });
    // What a service deploys is rendered by the CLI and the libraries: a change there may change its
    // release, so Nx must select it (homelab affected then keeps exactly the services whose release changed).
    if (byName.has(cliProject)) deps.push({ source: project.name, target: cliProject, type: implicitDependency });
    let host: string | undefined;
    try {
      host = await serviceHost(file);
    } catch {
      continue; // a broken service.ts is reported by its validate target, not by the graph
    }
    if (!host) continue;
    for (const inventory of invs) {
      const target = hostProjectName(inventory, host);
      if (byName.has(target)) deps.push({ source: project.name, target, type: staticDependency, sourceFile: `${root}/service.ts` });
    }
  }
  return deps;
};
