import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import { createDependencies, createNodesV2, literalHost } from './plugin.ts';
import { inferDependencies, inferProjects, pluginWorkspace } from './testing.ts';

const { root, files } = pluginWorkspace();
afterAll(() => rmSync(root, { recursive: true, force: true }));
const plugin = { createNodesV2, createDependencies };
const infer = () => inferProjects(plugin, root, files);

describe('nx plugin', () => {
  it('infers a service project with its targets per inventory', async () => {
    const projects = await infer();
    expect(projects['packages/web']).toMatchInlineSnapshot(`
      {
        "name": "web",
        "projectType": "application",
        "root": "packages/web",
        "tags": [
          "type:service",
        ],
        "targets": {
          "deploy": {
            "configurations": {
              "lab": {
                "inventory": "lab",
              },
              "production": {
                "inventory": "production",
              },
            },
            "continuous": false,
            "dependsOn": [
              "validate",
            ],
            "executor": "@homelab/nx-plugin:cli",
            "metadata": {
              "description": "Deploy the service to its host: stage, swap, up, health gate, rollback on failure",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "deploy",
              "inventory": "lab",
              "service": "web",
            },
          },
          "health": {
            "configurations": {
              "lab": {
                "inventory": "lab",
              },
              "production": {
                "inventory": "production",
              },
            },
            "continuous": false,
            "executor": "@homelab/nx-plugin:cli",
            "metadata": {
              "description": "Run the service's health test against its host",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "health",
              "inventory": "lab",
              "service": "web",
            },
          },
          "lint": {
            "cache": true,
            "continuous": false,
            "executor": "nx:run-commands",
            "inputs": [
              "default",
              "{workspaceRoot}/biome.json",
              {
                "externalDependencies": [
                  "@biomejs/biome",
                ],
              },
            ],
            "metadata": {
              "description": "Check formatting and lint rules (Biome)",
              "technologies": [
                "biome",
              ],
            },
            "options": {
              "command": "biome ci packages/web",
              "cwd": "{workspaceRoot}",
            },
          },
          "plan": {
            "configurations": {
              "lab": {
                "inventory": "lab",
              },
              "production": {
                "inventory": "production",
              },
            },
            "continuous": false,
            "dependsOn": [
              "validate",
            ],
            "executor": "@homelab/nx-plugin:cli",
            "metadata": {
              "description": "Show what a deploy would change on the host (secrets masked)",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "plan",
              "inventory": "lab",
              "service": "web",
            },
          },
          "rollback": {
            "configurations": {
              "lab": {
                "inventory": "lab",
              },
              "production": {
                "inventory": "production",
              },
            },
            "continuous": false,
            "executor": "@homelab/nx-plugin:cli",
            "metadata": {
              "description": "Bring back the previous release",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "rollback",
              "inventory": "lab",
              "service": "web",
            },
          },
          "test": {
            "cache": true,
            "continuous": false,
            "executor": "nx:run-commands",
            "inputs": [
              "default",
              "^production",
              {
                "externalDependencies": [
                  "vitest",
                ],
              },
            ],
            "metadata": {
              "description": "Run this project's vitest tests",
              "technologies": [
                "vitest",
              ],
            },
            "options": {
              "command": "vitest run packages/web/",
              "cwd": "{workspaceRoot}",
            },
          },
          "validate": {
            "cache": true,
            "configurations": {
              "lab": {
                "inventory": "lab",
              },
              "production": {
                "inventory": "production",
              },
            },
            "continuous": false,
            "executor": "@homelab/nx-plugin:cli",
            "inputs": [
              "default",
              "^production",
              {
                "externalDependencies": [
                  "zod",
                  "yaml",
                ],
              },
              {
                "runtime": "grep -qs cliPluginsExtraDirs "\${DOCKER_CONFIG:-$HOME/.docker}/config.json" || for d in "\${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" /usr/local/lib/docker/cli-plugins /usr/local/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins; do [ -x "$d/docker-compose" ] && exec "$d/docker-compose" version --short; done; exec docker compose version --short",
              },
            ],
            "metadata": {
              "description": "Check service.ts and compose.yaml: schema, rules, VRAM budget, docker compose config on the rendered files",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "validate",
              "inventory": "production",
              "service": "web",
            },
            "outputs": [],
          },
        },
      }
    `);
  });

  it('gives a test target to exactly the projects with tests; one with lab tests runs alone and uncached', async () => {
    const projects = await infer();
    expect(projects['packages/web']!.targets!.test).toEqual({
      executor: 'nx:run-commands',
      continuous: false,
      options: { command: 'vitest run packages/web/', cwd: '{workspaceRoot}' },
      cache: true,
      inputs: ['default', '^production', { externalDependencies: ['vitest'] }],
      metadata: { description: "Run this project's vitest tests", technologies: ['vitest'] },
    });
    expect(projects['packages/dns']!.targets!.test).toBeUndefined();
    // Every project is linted, with or without tests.
    expect(projects['packages/dns']!.targets!.lint).toMatchObject({ options: { command: 'biome ci packages/dns' }, cache: true });
    expect(projects['tools/cli']!.targets!.test).toMatchObject({
      options: { command: 'vitest run tools/cli/' },
      cache: false,
      parallelism: false,
    });
  });

  it('says `continuous` on every target it gives an executor (Nx would otherwise resolve the executor to learn it)', async () => {
    const targets = Object.values(await infer()).flatMap((p) => Object.entries(p.targets ?? {}));
    const withExecutor = targets.filter(([, t]) => t.executor);
    expect(withExecutor.length).toBeGreaterThan(0);
    expect(withExecutor.filter(([, t]) => !('continuous' in t)).map(([name]) => name)).toEqual([]);
  });

  it('infers one project per inventory and per host', async () => {
    const projects = await infer();
    expect(
      Object.values(projects)
        .filter((p) => p.name)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['dns', 'host-lab-ocean', 'host-production-dns01', 'host-production-ocean', 'inventory-lab', 'inventory-production', 'web']);
  });

  it('adds the edges service -> host (in every inventory that has it) and host -> inventory', async () => {
    const projects = Object.fromEntries(Object.values(await infer()).map((p) => [p.name ?? p.root, p]));
    projects['@homelab/cli'] = { root: 'tools/cli', name: '@homelab/cli' };
    const deps = await inferDependencies(plugin, root, projects);
    expect(deps.map((d) => `${d.source} -> ${d.target}`).sort()).toEqual([
      // Every service depends on the CLI (and through it every library): their code renders its release.
      'dns -> @homelab/cli',
      'dns -> host-production-dns01',
      'host-lab-ocean -> inventory-lab',
      'host-production-dns01 -> inventory-production',
      'host-production-ocean -> inventory-production',
      'web -> @homelab/cli',
      'web -> host-lab-ocean',
      'web -> host-production-ocean',
    ]);
  });
});

describe('the host of a service, read without importing it', () => {
  it('gives the host the import gives, for every service of the repository', async () => {
    const names = readdirSync(join(repoRoot, 'packages')).filter((n) => readdirSync(join(repoRoot, 'packages', n)).includes('service.ts'));
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      const file = join(repoRoot, 'packages', name, 'service.ts');
      const imported = ((await import(file)) as { default: { input: { host: string } } }).default.input.host;
      expect(literalHost(readFileSync(file, 'utf8')), name).toBe(imported);
    }
  });

  it('is undefined unless there is exactly one top-level literal host (then the file is imported)', () => {
    expect(literalHost("export default defineService({\n  host: 'ocean',\n});\n")).toBe('ocean');
    expect(literalHost('export default defineService({\n  host: HOSTS.gpu,\n});\n')).toBeUndefined();
    expect(literalHost("defineService({\n  host: 'a',\n  x: {\n    host: 'b',\n  },\n  host: 'c',\n});\n")).toBeUndefined();
    expect(literalHost("defineService({\n  probe: {\n    host: 'b',\n  },\n});\n")).toBeUndefined();
  });
});
