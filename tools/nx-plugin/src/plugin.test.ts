import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceTs, tempWorkspace } from '@homelab/model/testing';
import type { CreateDependenciesContext, CreateNodesContextV2, ProjectConfiguration } from '@nx/devkit';
import { createDependencies, createNodesV2 } from './plugin.ts';

const root = tempWorkspace({
  'packages/web/service.ts': serviceTs({ description: 'web', host: 'ocean', health: { probes: [{ type: 'tcp', port: 80 }] } }),
  'packages/dns/service.ts': serviceTs({ description: 'dns', host: 'dns01', health: { probes: [{ type: 'tcp', port: 53 }] } }),
  'inventories/production/inventory.yaml': 'name: production\nproduction: true\n',
  'inventories/production/ocean/host.yaml': 'address: 192.168.1.143\n',
  'inventories/production/dns01/host.yaml': 'address: dns01.home\n',
  'inventories/lab/inventory.yaml': 'name: lab\n',
  'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n',
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files = ['packages/web/service.ts', 'packages/dns/service.ts', 'inventories/production/inventory.yaml', 'inventories/production/ocean/host.yaml', 'inventories/production/dns01/host.yaml', 'inventories/lab/inventory.yaml', 'inventories/lab/ocean/host.yaml'];

async function infer(): Promise<Record<string, ProjectConfiguration>> {
  const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
  const results = await createNodesV2[1](files, {}, context);
  return Object.fromEntries(results.flatMap(([, r]) => Object.entries(r.projects ?? {})).map(([projectRoot, p]) => [projectRoot, p as ProjectConfiguration]));
}

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
                "command": "tsx tools/cli/src/main.ts deploy web --inventory lab",
              },
              "production": {
                "command": "tsx tools/cli/src/main.ts deploy web --inventory production",
              },
            },
            "dependsOn": [
              "validate",
            ],
            "executor": "nx:run-commands",
            "metadata": {
              "description": "Deploy the service to its host: stage, swap, up, health gate, rollback on failure",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "tsx tools/cli/src/main.ts deploy web --inventory lab",
              "cwd": "{workspaceRoot}",
            },
          },
          "health": {
            "configurations": {
              "lab": {
                "command": "tsx tools/cli/src/main.ts health web --inventory lab",
              },
              "production": {
                "command": "tsx tools/cli/src/main.ts health web --inventory production",
              },
            },
            "executor": "nx:run-commands",
            "metadata": {
              "description": "Run the service's health test against its host",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "tsx tools/cli/src/main.ts health web --inventory lab",
              "cwd": "{workspaceRoot}",
            },
          },
          "plan": {
            "configurations": {
              "lab": {
                "command": "tsx tools/cli/src/main.ts plan web --inventory lab",
              },
              "production": {
                "command": "tsx tools/cli/src/main.ts plan web --inventory production",
              },
            },
            "dependsOn": [
              "validate",
            ],
            "executor": "nx:run-commands",
            "metadata": {
              "description": "Show what a deploy would change on the host (secrets masked)",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "tsx tools/cli/src/main.ts plan web --inventory lab",
              "cwd": "{workspaceRoot}",
            },
          },
          "rollback": {
            "configurations": {
              "lab": {
                "command": "tsx tools/cli/src/main.ts rollback web --inventory lab",
              },
              "production": {
                "command": "tsx tools/cli/src/main.ts rollback web --inventory production",
              },
            },
            "executor": "nx:run-commands",
            "metadata": {
              "description": "Bring back the previous release",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "tsx tools/cli/src/main.ts rollback web --inventory lab",
              "cwd": "{workspaceRoot}",
            },
          },
          "test": {
            "cache": true,
            "executor": "nx:run-commands",
            "inputs": [
              "default",
              "^default",
            ],
            "metadata": {
              "description": "Run the service's own vitest tests",
              "technologies": [
                "vitest",
              ],
            },
            "options": {
              "command": "vitest run --dir packages/web",
              "cwd": "{workspaceRoot}",
            },
          },
          "validate": {
            "cache": true,
            "configurations": {
              "lab": {
                "command": "tsx tools/cli/src/main.ts validate web --inventory lab",
              },
              "production": {
                "command": "tsx tools/cli/src/main.ts validate web --inventory production",
              },
            },
            "executor": "nx:run-commands",
            "inputs": [
              "default",
              "^default",
              {
                "externalDependencies": [
                  "zod",
                  "yaml",
                ],
              },
              {
                "runtime": "docker compose version --short",
              },
            ],
            "metadata": {
              "description": "Check service.ts and compose.yaml: schema, rules, VRAM budget, docker compose config on the rendered files",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "command": "tsx tools/cli/src/main.ts validate web --inventory production",
              "cwd": "{workspaceRoot}",
            },
            "outputs": [],
          },
        },
      }
    `);
  });

  it('infers one project per inventory and per host', async () => {
    const projects = await infer();
    expect(Object.values(projects).map((p) => p.name).sort()).toEqual([
      'dns', 'host-lab-ocean', 'host-production-dns01', 'host-production-ocean', 'inventory-lab', 'inventory-production', 'web',
    ]);
  });

  it('adds the edges service -> host (in every inventory that has it) and host -> inventory', async () => {
    const projects = Object.fromEntries(Object.values(await infer()).map((p) => [p.name!, p]));
    const deps = await createDependencies({}, { workspaceRoot: root, projects, nxJsonConfiguration: {}, fileMap: { projectFileMap: {}, nonProjectFiles: [] }, filesToProcess: { projectFileMap: {}, nonProjectFiles: [] }, externalNodes: {} } as unknown as CreateDependenciesContext);
    expect(deps.map((d) => `${d.source} -> ${d.target}`).sort()).toEqual([
      'dns -> host-production-dns01',
      'host-lab-ocean -> inventory-lab',
      'host-production-dns01 -> inventory-production',
      'host-production-ocean -> inventory-production',
      'web -> host-lab-ocean',
      'web -> host-production-ocean',
    ]);
  });
});
