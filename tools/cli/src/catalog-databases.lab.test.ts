// The catalog's databases on real servers: the MariaDB and Redis of nextcloud, the MariaDB of
// wordpress and Grafana's MySQL (MariaDB standing in), from Debian's packages in the lab. Their
// application images cannot run here, so each package's database services are deployed on their own,
// through the real deploy path (render, upload over SSH, compose up, health gate), from the package's
// own compose definition, and the package's own exec probes must pass against the running servers.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUp } from '@homelab/lab';
import { quote, SshExecutor } from '@homelab/host';
import { NotReadyError, probeOnce, runHealthTest } from '@homelab/health';
import { probeTarget, runMany, servicePaths } from '@homelab/deploy';
import { hostValues } from '@homelab/render';
import type { LoadedService, Probe } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { generatedSecrets } from '@homelab/vault';
import { loadWorkspace } from './workspace.ts';

const { workspace } = await loadWorkspace('lab', repoRoot);
const inventory = workspace.inventory;
const ocean = inventory.hosts.ocean!;

// The compose services of a package that the lab can run, and the probes that check them.
function databasesOf(name: string, services: string[]): LoadedService {
  const svc = workspace.services.find((s) => s.name === name)!;
  const compose = { ...svc.compose, services: Object.fromEntries(services.map((s) => [s, svc.compose.services[s]!])) };
  const probes = svc.spec.health.probes.filter((p) => (p.type === 'exec' || p.type === 'container') && services.includes(p.service));
  return { ...svc, compose, spec: { ...svc.spec, exposure: undefined, health: { ...svc.spec.health, probes } } };
}

const parts = [databasesOf('nextcloud', ['nextcloud-db', 'nextcloud-redis']), databasesOf('wordpress', ['wordpress-db']), databasesOf('grafana', ['grafana-db'])];
const secretsFor = async (svc: LoadedService) => generatedSecrets(svc, {}, join(inventory.generatedSecretsDir, `${svc.name}.json`));
const probe = (svc: string, service: string) => parts.find((p) => p.name === svc)!.spec.health.probes.find((p): p is Extract<Probe, { type: 'exec' }> => p.type === 'exec' && p.service === service)!;

// Stops the databases and removes their releases and data: each run initialises them afresh, and
// the lab's status shows no half-deployed nextcloud, wordpress or grafana afterwards.
async function removeDatabases(): Promise<void> {
  const executor = new SshExecutor(ocean);
  for (const part of parts) {
    const root = servicePaths(ocean.deployRoot, part.name).root;
    await executor.sh(`docker compose -p ${quote(part.name)} down --remove-orphans >/dev/null 2>&1; rm -rf ${quote(root)} ${quote(hostValues(part.name, ocean).CONFIG_ROOT!)}`, { display: `remove ${part.name}` });
  }
}

beforeAll(async () => {
  await labUp(repoRoot, () => {});
  await removeDatabases();
}, 300_000);
afterAll(removeDatabases, 120_000);

describe('catalog databases on real MariaDB and Redis in the lab', () => {
  it('each package\'s database services deploy, and pass the package\'s own exec probes', async () => {
    for (const part of parts) expect(part.spec.health.probes.map((p) => p.type), part.name).toContain('exec');
    const results = await runMany({
      action: 'deploy',
      services: parts,
      inventory,
      executorFor: (host) => new SshExecutor(host),
      secretsFor,
      gitSha: 'lab-test',
      lockWaitMs: 120_000,
      log: () => {},
    });
    for (const r of results) expect(r.result, `${r.service}: ${r.message}`).toBe('deployed');
    const executor = new SshExecutor(ocean);
    for (const part of parts) {
      const seen = await probeOnce(part.spec.health, probeTarget(ocean, executor, part.name));
      expect(seen.join('\n')).toMatch(/: (nextcloud|wordpress|grafana|PONG)$/m);
    }
    const nextcloud = await probeOnce(parts[0]!.spec.health, probeTarget(ocean, executor, 'nextcloud'));
    expect(nextcloud).toEqual([
      expect.stringMatching(/^exec nextcloud-db: sh -c MYSQL_PWD=.*: nextcloud$/),
      expect.stringMatching(/^exec nextcloud-redis: sh -c REDISCLI_AUTH=.*: PONG$/),
    ]);
  }, 300_000);

  it('the probes fail on what the real servers answer to a wrong password (they are not open-port checks)', async () => {
    const target = probeTarget(ocean, new SshExecutor(ocean), 'nextcloud');
    const wrong = (p: Extract<Probe, { type: 'exec' }>, from: string) => ({ ...p, command: p.command.map((a) => a.replace(from, 'not-the-password')) });
    const db = wrong(probe('nextcloud', 'nextcloud-db'), '"$MARIADB_PASSWORD"');
    await expect(probeOnce({ ...parts[0]!.spec.health, probes: [db] }, target)).rejects.toThrow(/exit code 1 \(output "ERROR 1045 \(28000\): Access denied for user 'nextcloud'/);
    const redis = wrong(probe('nextcloud', 'nextcloud-redis'), '"$REDIS_PASSWORD"');
    // redis-cli exits 0 on an error reply: only the output tells.
    const failure = await probeOnce({ ...parts[0]!.spec.health, probes: [redis] }, target).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotReadyError);
    expect(String(failure)).toMatch(/output does not match \/\^PONG\$\/ \(got ".*(WRONGPASS|NOAUTH)/);
  });

  it('the compose healthchecks of the packages pass on the real servers', async () => {
    // Docker runs the first check one interval (15 s) after the start.
    const executor = new SshExecutor(ocean);
    for (const part of parts) {
      const probes = Object.keys(part.compose.services).map((service) => ({ type: 'container' as const, service }));
      const report = await runHealthTest({ probes, timeoutSeconds: 90, intervalSeconds: 1 }, probeTarget(ocean, executor, part.name));
      expect(report.healthy, `${part.name}: ${report.detail.join('; ')}`).toBe(true);
    }
  }, 120_000);
});
