// Test helpers: in-memory services and inventories, and throw-away workspaces on disk.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { ComposeFile } from '../compose.ts';
import type { HostSpec, Inventory } from '../inventory-schema.ts';
import { hostDefaults } from '../normalize-inventory.ts';
import type { LoadedService } from '../load.ts';
import { normalizeService, serviceSchema, type ServiceInput } from '../service-schema.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export function host(name: string, overrides: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    inventory: 'test',
    production: false,
    address: '10.0.0.2',
    ip: undefined,
    description: '',
    docker: true,
    gpu: undefined,
    ...hostDefaults,
    ssh: {
      user: hostDefaults.ssh.user,
      port: hostDefaults.ssh.port,
      identityFile: '/keys/id',
      knownHosts: '/keys/known_hosts',
      retrySeconds: 60,
      session: true,
    },
    paths: { ...hostDefaults.paths },
    dockerHost: undefined,
    file: `inventories/test/${name}/host.yaml`,
    ...overrides,
  };
}

export function inventory(hosts: HostSpec[], images: Record<string, string> = {}): Inventory {
  return {
    name: 'test',
    production: false,
    generateMissingSecrets: false,
    generatedSecretsDir: '/.lab/secrets',
    dir: '/inventories/test',
    images,
    hosts: Object.fromEntries(hosts.map((h) => [h.name, h])),
    backup: {
      targets: [],
      passwordFile: '/inventories/test/backup.vault.yaml',
      textfileDir: '/var/lib/prometheus/node-exporter',
      check: 'weekly',
    },
  };
}

export const simpleCompose = (name: string, port = 8080): ComposeFile => ({
  services: {
    [name]: {
      image: `example/${name}:1.0.0`,
      ports: [`${port}:80`],
      healthcheck: { test: ['CMD', 'wget', '-qO-', 'http://127.0.0.1/health'] },
    },
  },
});

// A parsed service as the loader would return it, from a service input and a compose object.
export function service(name: string, input: Partial<ServiceInput> = {}, compose: ComposeFile = simpleCompose(name)): LoadedService {
  const spec = normalizeService(
    name,
    serviceSchema.parse({
      description: `${name} service`,
      host: 'ocean',
      health: { probes: [{ type: 'http', port: 8080, path: '/health' }] },
      ...input,
    }),
  );
  const composeText = stringify(compose);
  return {
    name,
    dir: `/ws/packages/${name}`,
    spec,
    compose: parse(composeText) as ComposeFile,
    composeText,
    version: '1.0.0',
    secretsFile: undefined,
    configFiles: {},
    files: { service: `packages/${name}/service.ts`, compose: `packages/${name}/compose.yaml` },
  };
}

export interface WorkspaceFiles {
  [path: string]: string;
}

// Writes a throw-away workspace (with node_modules linked to the repository's) and returns its root.
export function tempWorkspace(files: WorkspaceFiles, prefix = 'homelab-ws-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'nx.json'), '{}\n');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

// The text of a service.ts that defines `input`.
export function serviceTs(input: Record<string, unknown>): string {
  return `import { defineService } from '@homelab/model';\n\nexport default defineService(${JSON.stringify(input, null, 2)});\n`;
}
