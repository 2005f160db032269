// Pure: the targets of one service project, from its name and the inventories that exist.
import type { TargetConfiguration } from '@nx/devkit';

import type { CliOptions } from './executors/cli.ts';

export interface ServiceTargetOptions {
  inventories: string[];
}

// `homelab <command> <service> --inventory <inventory>` through the plugin's executor, which runs the
// tasks of one Nx run in one homelab process per command (executors/cli.ts); `-c <inventory>` picks one.
// None of them runs until stopped, and saying so spares every Nx command the executor's resolution while
// it builds the graph: Nx reads a target's executor schema only to learn `continuous` when the target does
// not say it, and for an executor of a workspace package that loads the TypeScript compiler to read the
// tsconfig (~90 ms per command, measured with NX_PERF_LOGGING).
function perInventory(
  command: CliOptions['command'],
  service: string,
  inventories: string[],
  defaultInventory: string,
  description: string,
  extra: Partial<TargetConfiguration> = {},
): TargetConfiguration {
  return {
    executor: '@homelab/nx-plugin:cli',
    continuous: false,
    options: { command, service, inventory: defaultInventory } satisfies CliOptions,
    configurations: Object.fromEntries(inventories.map((inventory) => [inventory, { inventory }])),
    metadata: { description, technologies: ['docker'] },
    ...extra,
  };
}

// Where the docker CLI looks for its plugins after the user's own folder, in its order (docker/cli,
// cli-plugins/manager: defaultSystemPluginDirs on Linux).
export const systemPluginDirs = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

// Pure: the command that prints the version of Docker Compose, whose `docker compose config` validate runs
// (an input of its result). The plugin binary is asked directly, found where the docker CLI would find it
// (the user's plugin folder, then `dirs`): one Go program started instead of two (~25 ms instead of ~70 ms
// here, paid by every Nx command that hashes a validate task). A docker config that names
// cliPluginsExtraDirs (searched before all of these) or a plugin found nowhere here: asked through the
// docker CLI. The same answer either way.
export function composeVersionCommandFor(dirs: string[]): string {
  return [
    'grep -qs cliPluginsExtraDirs "${DOCKER_CONFIG:-$HOME/.docker}/config.json" ||',
    `for d in "\${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" ${dirs.join(' ')};`,
    'do [ -x "$d/docker-compose" ] && exec "$d/docker-compose" version --short; done;',
    'exec docker compose version --short',
  ].join(' ');
}

export const composeVersionCommand = composeVersionCommandFor(systemPluginDirs);

// validate defaults to production (rendered and checked, never contacted); the rest default to the lab.
export function createServiceTargets(service: string, options: ServiceTargetOptions): Record<string, TargetConfiguration> {
  const inv = options.inventories;
  const deployDefault = inv.includes('lab') ? 'lab' : (inv[0] ?? 'lab');
  const validateDefault = inv.includes('production') ? 'production' : deployDefault;
  return {
    validate: perInventory(
      'validate',
      service,
      inv,
      validateDefault,
      'Check service.ts and compose.yaml: schema, rules, VRAM budget, docker compose config on the rendered files',
      {
        cache: true,
        // Everything that can change its answer comes in through its dependencies' production files: the host
        // and inventory files (service -> host -> inventory) and the CLI with every library it imports (service -> cli).
        inputs: ['default', '^production', { externalDependencies: ['zod', 'yaml'] }, { runtime: composeVersionCommand }],
        outputs: [],
      },
    ),
    plan: perInventory('plan', service, inv, deployDefault, 'Show what a deploy would change on the host (secrets masked)', {
      dependsOn: ['validate'],
    }),
    deploy: perInventory(
      'deploy',
      service,
      inv,
      deployDefault,
      'Deploy the service to its host: stage, swap, up, health gate, rollback on failure',
      { dependsOn: ['validate'] },
    ),
    health: perInventory('health', service, inv, deployDefault, "Run the service's health test against its host"),
    rollback: perInventory('rollback', service, inv, deployDefault, 'Bring back the previous release'),
  };
}

// The project's own tests and nothing else. Lab tests share the lab's hosts: a project with any runs
// alone (parallelism: false) and is never answered from the cache (its result depends on the lab).
export function createTestTarget(projectRoot: string, labTests: boolean): TargetConfiguration {
  return {
    executor: 'nx:run-commands',
    continuous: false,
    options: { command: `vitest run ${projectRoot}/`, cwd: '{workspaceRoot}' },
    cache: !labTests,
    ...(labTests ? { parallelism: false } : { inputs: ['default', '^production', { externalDependencies: ['vitest'] }] }),
    metadata: {
      description: labTests
        ? "Run this project's vitest tests, its lab tests included (alone: they use the lab)"
        : "Run this project's vitest tests",
      technologies: ['vitest'],
    },
  };
}

// Formatting and lint rules of the project's files (Biome, configured once in biome.json).
export function createLintTarget(projectRoot: string): TargetConfiguration {
  return {
    executor: 'nx:run-commands',
    continuous: false,
    options: { command: `biome ci ${projectRoot}`, cwd: '{workspaceRoot}' },
    cache: true,
    inputs: ['default', '{workspaceRoot}/biome.json', { externalDependencies: ['@biomejs/biome'] }],
    metadata: { description: 'Check formatting and lint rules (Biome)', technologies: ['biome'] },
  };
}
