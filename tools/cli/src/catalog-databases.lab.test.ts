// The catalog's databases on real servers: the MariaDB and Redis of nextcloud, the MariaDB of
// wordpress and Grafana's MySQL (MariaDB standing in), from Debian's packages in the lab. Their
// application images cannot run here, so each package's database services are deployed on their own,
// through the real deploy path (render, upload over SSH, compose up, health gate), from the package's
// own compose definition, and the package's own exec probes must pass against the running servers.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUp } from '@homelab/lab';
import { sampleProcesses } from '@homelab/lab/testing';
import { SshExecutor } from '@homelab/host';
import { NotReadyError, probeOnce, runHealthTest } from '@homelab/health';
import { probeTarget } from '@homelab/deploy';
import type { Probe } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { deployParts, execProbe, labPart, removeParts } from './lab-parts.ts';
import { loadWorkspace } from './workspace.ts';

const { workspace } = await loadWorkspace('lab', repoRoot);
const inventory = workspace.inventory;
const ocean = inventory.hosts.ocean!;
const pkg = (name: string) => workspace.services.find((s) => s.name === name)!;

const parts = [
  labPart(pkg('nextcloud'), ['nextcloud-db', 'nextcloud-redis']),
  labPart(pkg('wordpress'), ['wordpress-db']),
  labPart(pkg('grafana'), ['grafana-db']),
];
const probe = (svc: string, service: string) => execProbe(parts.find((p) => p.name === svc)!, service);
const removeDatabases = () => removeParts(parts, inventory);

beforeAll(async () => {
  await labUp(repoRoot, () => {});
  await removeDatabases();
}, 300_000);
afterAll(removeDatabases);

describe('catalog databases on real MariaDB and Redis in the lab', () => {
  it("each package's database services deploy, and pass the package's own exec probes", async () => {
    for (const part of parts)
      expect(
        part.spec.health.probes.map((p) => p.type),
        part.name,
      ).toContain('exec');
    // The lab hosts share this machine's process table: no password on any command line meanwhile.
    const passwords = parts.flatMap((p) =>
      Object.values(JSON.parse(readFileSync(join(inventory.generatedSecretsDir, `${p.name}.json`), 'utf8')) as Record<string, string>),
    );
    const { result: results, samples: seen } = await sampleProcesses(() => deployParts(parts, inventory));
    for (const r of results) expect(r.result, `${r.service}: ${r.message}`).toBe('deployed');
    expect(seen.length).toBeGreaterThan(20);
    expect(passwords.length).toBeGreaterThan(3);
    for (const pw of passwords) expect(seen.some((s) => s.includes(pw))).toBe(false);
    const secretFile = join(ocean.deployRoot, 'nextcloud', 'current', 'secrets', 'NEXTCLOUD_REDIS_PASSWORD');
    expect(statSync(secretFile)).toMatchObject({ uid: 999, mode: 0o100400 });
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
    const wrong = (p: Extract<Probe, { type: 'exec' }>, from: string) => ({
      ...p,
      command: p.command.map((a) => a.replace(from, 'not-the-password')),
    });
    const db = wrong(probe('nextcloud', 'nextcloud-db'), '"$MARIADB_PASSWORD"');
    await expect(probeOnce({ ...parts[0]!.spec.health, probes: [db] }, target)).rejects.toThrow(
      /exit code 1 \(output "ERROR 1045 \(28000\): Access denied for user 'nextcloud'/,
    );
    const redis = wrong(probe('nextcloud', 'nextcloud-redis'), '"$(cat /run/secrets/nextcloud_redis_password)"');
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
  });
});
