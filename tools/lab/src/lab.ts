// `homelab lab up|down|status`: the lab hosts of inventories/lab, real and on this machine.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshExecutor } from '@homelab/host';
import { loadInventory, type HostSpec, type Inventory } from '@homelab/model';
import { $ } from 'zx';
import { hostDown, hostStatus, hostUp } from './hosts.ts';
import { ensureLabCa } from './certificates.ts';
import { ensureImages } from './images.ts';
import { installComposePlugin, installPackages } from './install.ts';
import { labHost } from './layout.ts';

export type Log = (line: string) => void;

function labInventory(root: string): Inventory {
  const inventory = loadInventory(root, 'lab');
  if (inventory.production) throw new Error('inventories/lab is marked production: the lab never touches production hosts');
  for (const host of Object.values(inventory.hosts)) {
    if (!/^10\.231\.\d+\.\d+$/.test(host.address)) throw new Error(`${host.file}: lab hosts live in 10.231.0.0/16 (got ${host.address})`);
  }
  return inventory;
}

async function ensureClientKey(identityFile: string): Promise<string> {
  if (!existsSync(identityFile)) {
    mkdirSync(dirname(identityFile), { recursive: true, mode: 0o700 });
    await $`ssh-keygen -q -t ed25519 -N ${''} -C homelab-lab-client -f ${identityFile}`;
  }
  return readFileSync(`${identityFile}.pub`, 'utf8');
}

async function waitForSsh(host: HostSpec): Promise<void> {
  const ssh = new SshExecutor(host, { persistSeconds: 60 });
  for (let i = 0; ; i++) {
    const r = await ssh.sh('true', { allowFailure: true, timeoutMs: 10_000 });
    if (r.exitCode === 0) return;
    if (i >= 40) throw new Error(`lab host ${host.name}: sshd does not answer on ${host.address}: ${r.stderr.trim()}`);
    await sleep(250);
  }
}

// Installs what is missing, then creates or repairs every lab host; idempotent.
export async function labUp(root: string, log: Log): Promise<Inventory> {
  const inventory = labInventory(root);
  await installPackages(log);
  await installComposePlugin(log);
  const hosts = Object.values(inventory.hosts);
  const identityFile = hosts[0]?.ssh.identityFile;
  if (!identityFile) throw new Error('inventories/lab has no hosts');
  const publicKey = await ensureClientKey(identityFile);
  await Promise.all(hosts.map((spec) => hostUp(labHost(spec.name, spec.address), publicKey)));
  // Images are prepared (the detector's bundle) and built only when some host lacks them, each once.
  await ensureImages(
    hosts.map((spec) => labHost(spec.name, spec.address).dockerSocket),
    root,
    log,
  );
  for (const spec of hosts) log(`lab host ${spec.name} is up at ${spec.address} (netns ${labHost(spec.name, spec.address).netns})`);

  const knownHosts = hosts
    .map(
      (spec) => `${spec.address} ${readFileSync(`${labHost(spec.name, spec.address).stateDir}/ssh_host_ed25519_key.pub`, 'utf8').trim()}\n`,
    )
    .join('');
  const knownHostsFile = hosts[0]!.ssh.knownHosts;
  writeFileSync(knownHostsFile, knownHosts);
  await Promise.all(hosts.map(waitForSsh));
  // The lab's stand-in for Let's Encrypt (certificates are issued per domain by labCertificates).
  await ensureLabCa();
  return inventory;
}

export async function labDown(root: string, log: Log): Promise<void> {
  const inventory = labInventory(root);
  for (const spec of Object.values(inventory.hosts)) {
    await new SshExecutor(spec).closeMaster().catch(() => undefined);
    await hostDown(labHost(spec.name, spec.address));
    log(`lab host ${spec.name} removed`);
  }
}

export async function labStatus(root: string): Promise<Array<Awaited<ReturnType<typeof hostStatus>>>> {
  const inventory = labInventory(root);
  return Promise.all(Object.values(inventory.hosts).map((spec) => hostStatus(labHost(spec.name, spec.address))));
}
