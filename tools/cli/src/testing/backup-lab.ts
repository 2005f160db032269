// For the backup lab test and bench: service packages of one's own in a lab workspace, data folders
// of ocean inside the test's own folder, and a bind-mounted files service.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabWorkspace } from '@homelab/lab/testing';
import { serviceTs } from '@homelab/model/testing';

// Writes packages/<name>/ (package.json, service.ts from `service`, compose.yaml, files/*) on ocean.
export function writePackage(
  ws: LabWorkspace,
  name: string,
  service: Record<string, unknown>,
  compose: string,
  files: Record<string, string> = {},
): void {
  ws.writeFiles('ocean', name, {
    [`packages/${name}/package.json`]: JSON.stringify({
      name: `@homelab/${name}`,
      version: '1.0.0',
      private: true,
      type: 'module',
      nx: { name },
    }),
    [`packages/${name}/service.ts`]: serviceTs({ description: `backup lab ${name}`, host: 'ocean', ...service }),
    [`packages/${name}/compose.yaml`]: compose,
    ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`packages/${name}/files/${k}`, v])),
  });
}

// Ocean's data and config folders under `root` (the test's own folder on the lab hosts).
export function oceanPaths(ws: LabWorkspace, root: string): { data: string; config: string } {
  const file = join(ws.root, 'inventories/lab/ocean/host.yaml');
  const paths = { data: `${root}/data`, config: `${root}/appdata` };
  writeFileSync(file, `${readFileSync(file, 'utf8')}paths:\n  data: ${paths.data}\n  config: ${paths.config}\n`);
  return paths;
}

// A busybox HTTP server whose ${DATA_ROOT}/<dir> is bind-mounted and declared as its backup (stopped
// for the copy when `stop` says why).
export function writeFilesService(ws: LabWorkspace, name: string, port: number, dir: string, stop?: string): void {
  writePackage(
    ws,
    name,
    {
      health: { probes: [{ type: 'http', port, path: '/health', expectBody: '^ok' }], timeoutSeconds: 60, intervalSeconds: 0.5 },
      backups: { volumes: [`\${DATA_ROOT}/${dir}`], ...(stop ? { stop } : {}) },
    },
    [
      'services:',
      '  web:',
      '    image: lab/busybox:1.35.0',
      '    init: true',
      '    command: ["sh", "-c", "echo ok > /www/health && exec httpd -f -p 80 -h /www"]',
      `    ports: ["${port}:80"]`,
      `    volumes: ["\${DATA_ROOT}/${dir}:/www/files"]`,
      '    healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1/health"], interval: 1s, retries: 30 }',
      '',
    ].join('\n'),
  );
}
