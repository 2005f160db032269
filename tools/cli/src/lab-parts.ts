// For lab tests of catalog packages whose application image the lab cannot run: the part of a
// package that the lab can run (some of its compose services, the probes that check them), deployed
// through the real deploy path, and removed again.
import { join } from 'node:path';
import { quote, SshExecutor } from '@homelab/host';
import { runMany, servicePaths, type DeployResult } from '@homelab/deploy';
import { hostValues } from '@homelab/render';
import type { Inventory, LoadedService, Probe } from '@homelab/model';
import { generatedSecrets } from '@homelab/vault';

// The package's compose services named, and its exec and container probes on them.
export function labPart(svc: LoadedService, services: string[]): LoadedService {
  const compose = { ...svc.compose, services: Object.fromEntries(services.map((s) => [s, svc.compose.services[s]!])) };
  const probes = svc.spec.health.probes.filter((p) => (p.type === 'exec' || p.type === 'container') && services.includes(p.service));
  return { ...svc, compose, spec: { ...svc.spec, exposure: undefined, health: { ...svc.spec.health, probes } } };
}

export function execProbe(part: LoadedService, service: string): Extract<Probe, { type: 'exec' }> {
  return part.spec.health.probes.find((p): p is Extract<Probe, { type: 'exec' }> => p.type === 'exec' && p.service === service)!;
}

// Deploys with the lab's generated secrets (kept beside the lab's data, as the CLI keeps them).
export function deployParts(parts: LoadedService[], inventory: Inventory): Promise<DeployResult[]> {
  return runMany({
    action: 'deploy',
    services: parts,
    inventory,
    executorFor: (host) => new SshExecutor(host),
    secretsFor: async (svc) => generatedSecrets(svc, {}, join(inventory.generatedSecretsDir, `${svc.name}.json`)),
    gitSha: 'lab-test',
    lockWaitMs: 120_000,
    log: () => {},
  });
}

// Stops the parts and removes their releases and data, so a run starts afresh and the lab's status
// shows no half-deployed application afterwards.
export async function removeParts(parts: LoadedService[], inventory: Inventory): Promise<void> {
  for (const part of parts) {
    const host = inventory.hosts[part.spec.host]!;
    const executor = new SshExecutor(host);
    const root = servicePaths(host.deployRoot, part.name).root;
    await executor.sh(
      `docker compose -p ${quote(part.name)} down --remove-orphans >/dev/null 2>&1; rm -rf ${quote(root)} ${quote(hostValues(part.name, host).CONFIG_ROOT!)}`,
      { display: `remove ${part.name}` },
    );
  }
}
