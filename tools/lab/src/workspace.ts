// Lab test helpers: a throw-away workspace whose inventory points at the real lab hosts with their
// own deploy roots, small busybox services, and a way to run the real CLI against it.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { loadInventory, type Inventory } from '@homelab/model';
import { repoRoot, serviceTs, tempWorkspace } from '@homelab/model/testing';
import { labUp } from './lab.ts';

export { labUp };

export interface TestService {
  name: string;
  host: 'ocean' | 'dns01';
  port: number;
  /** Served at /health after "ok "; changing it makes a new release. */
  title: string;
  /** false: /health answers with a wrong body, so the health test fails. */
  healthy?: boolean;
  /** A secret the container gets as $APP_SECRET (from the release .env). */
  secret?: string;
}

export function serviceFiles(s: TestService): Record<string, string> {
  const body = s.healthy === false ? 'broken' : 'ok';
  return {
    [`packages/${s.name}/package.json`]: JSON.stringify({
      name: `@homelab/${s.name}`,
      version: '1.0.0',
      private: true,
      nx: { name: s.name },
    }),
    [`packages/${s.name}/service.ts`]: serviceTs({
      description: `lab test service ${s.name}`,
      host: s.host,
      ...(s.secret ? { secrets: ['APP_SECRET'] } : {}),
      health: {
        probes: [
          { type: 'http', port: s.port, path: '/health', expectBody: '^ok ' },
          { type: 'container', service: 'web' },
        ],
        timeoutSeconds: s.healthy === false ? 6 : 60,
        intervalSeconds: 0.5,
      },
    }),
    [`packages/${s.name}/compose.yaml`]: [
      'services:',
      '  web:',
      '    image: lab/busybox:1.35.0',
      '    init: true',
      `    command: ["sh", "-c", "mkdir -p /www/data && printf '${body} %s\\\\n' \\"$$TITLE\\" > /www/health && exec httpd -f -p 80 -h /www"]`,
      '    environment:',
      `      TITLE: "${s.title}"`,
      ...(s.secret ? ['      APP_SECRET: ${APP_SECRET}'] : []),
      `    ports: ["${s.port}:80"]`,
      '    volumes: ["data:/www/data"]',
      '    healthcheck:',
      '      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/health"]',
      '      interval: 1s',
      '      timeout: 2s',
      '      retries: 20',
      'volumes:',
      '  data: {}',
      '',
    ].join('\n'),
  };
}

// Writes a test service's files into the workspace at `root`.
export function writeService(root: string, s: TestService): void {
  for (const [path, content] of Object.entries(serviceFiles(s))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

// Removes the containers, the data volume and the default network of test services (compose projects) from a lab host's Docker.
export async function removeServices(dockerHost: string, names: string[]): Promise<void> {
  const docker = async (args: string[]) => (await execa('docker', args, { env: { DOCKER_HOST: dockerHost }, reject: false })).stdout;
  for (const name of names) {
    const ids = (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    await docker(['volume', 'rm', '-f', `${name}_data`]);
    // Its default network too: left behind, they use up Docker's address pools (a later compose up then fails).
    await docker(['network', 'rm', `${name}_default`]);
  }
}

// Gives a copy of the repository this machine's lab client key and known hosts (per machine, not in git).
export function copyLabKeys(root: string, lab: Inventory): void {
  const ocean = lab.hosts.ocean!.ssh;
  mkdirSync(join(root, '.lab'), { recursive: true });
  copyFileSync(ocean.identityFile, join(root, '.lab/id_ed25519'));
  copyFileSync(`${ocean.identityFile}.pub`, join(root, '.lab/id_ed25519.pub'));
  copyFileSync(ocean.knownHosts, join(root, 'inventories/lab/known_hosts'));
}

export interface LabWorkspace {
  root: string;
  inventory: Inventory;
  prefix: string;
  write: (s: TestService) => void;
  /** Writes the files of a service of one's own (path -> content, under packages/<name>/), cleaned up like write's. */
  writeFiles: (host: string, name: string, files: Record<string, string>) => void;
  cli: (
    args: string[],
    options?: { lockWait?: number; env?: Record<string, string> },
  ) => ResultPromise<{ cwd: string; reject: false; all: true; detached: true }>;
  docker: (host: string, args: string[]) => Promise<string>;
  cleanup: () => Promise<void>;
}

const lockTaking = new Set(['deploy', 'plan', 'rollback', 'restart', 'stop', 'start']);

// Brings the lab up (idempotent) and makes a workspace with its own deploy roots on the lab hosts.
export async function labWorkspace(): Promise<LabWorkspace> {
  const real = await labUp(repoRoot, () => {});
  const id = randomBytes(3).toString('hex');
  const files: Record<string, string> = {
    'inventories/lab/inventory.yaml': [
      'name: lab',
      `knownHosts: ${real.hosts.ocean!.ssh.knownHosts}`,
      'defaults:',
      '  ssh:',
      `    identityFile: ${real.hosts.ocean!.ssh.identityFile}`,
      '  logDriver: local',
      '',
    ].join('\n'),
  };
  for (const h of Object.values(real.hosts)) {
    files[`inventories/lab/${h.name}/host.yaml`] = [
      `address: ${h.address}`,
      `dockerHost: ${h.dockerHost}`,
      `deployRoot: /var/lib/lab/${h.name}/test-${id}`,
      '',
    ].join('\n');
  }
  const root = tempWorkspace(files, 'homelab-lab-');
  const inventory = loadInventory(root, 'lab');
  const projects = new Set<string>();
  const writeFiles = (host: string, name: string, files: Record<string, string>) => {
    projects.add(`${host}:${name}`);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
  };
  const docker = async (host: string, args: string[]) =>
    (await execa('docker', args, { env: { DOCKER_HOST: inventory.hosts[host]!.dockerHost! }, reject: false })).stdout;
  return {
    root,
    inventory,
    prefix: `t${id}`,
    write: (s) => writeFiles(s.host, s.name, serviceFiles(s)),
    writeFiles,
    cli(args, options = {}) {
      return execa(
        process.execPath,
        [
          // The command a user runs (node_modules/.bin/homelab).
          join(repoRoot, 'tools/cli/bin/homelab.js'),
          // Options right after the command name: what follows `--` (exec) goes to the container as given.
          ...args.slice(0, 1),
          '--inventory',
          'lab',
          // Only the commands that take host locks accept a lock wait.
          ...(lockTaking.has(args[0] ?? '') ? ['--lock-wait', String(options.lockWait ?? 120)] : []),
          ...args.slice(1),
        ],
        { cwd: root, reject: false, all: true, detached: true, env: options.env },
      );
    },
    docker,
    async cleanup() {
      for (const p of projects) {
        const [host, name] = p.split(':') as [string, string];
        await removeServices(inventory.hosts[host]!.dockerHost!, [name]);
      }
      for (const h of Object.values(inventory.hosts)) rmSync(h.deployRoot, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// Samples this machine's process list (`ps -eo args`; the lab hosts share it) every 20 ms while `work`
// runs: what a secret must never be found in.
export async function sampleProcesses<T>(work: () => Promise<T>): Promise<{ result: T; samples: string[] }> {
  const samples: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push((await execa('ps', ['-eo', 'args'])).stdout);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await work(), samples };
  } finally {
    sampling = false;
    await sampler;
  }
}

// Resolves once a running CLI has printed `text` on stderr (its progress lines); rejects if it exits first.
export function untilOutput(run: ReturnType<LabWorkspace['cli']>, text: string | RegExp): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    run.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) resolve();
    });
    run.then((r) => reject(new Error(`exited before "${text}": ${r.all}`)), reject);
  });
}

// What a test service answers at /health on a lab host (ocean by default), 3 s at most.
export async function health(port: number, address = '10.231.0.2', path = '/health'): Promise<string> {
  const r = await fetch(`http://${address}:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return r.text();
}
