// Names on the command line are checked before any host is reached.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadInventory } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { hostsNamed, hostsSelected } from '../workspace.ts';
import { backupCheckCommand } from './backup.ts';
import type { CommandContext } from './context.ts';
import { factsCommand } from './facts.ts';
import { lockCommand } from './lock.ts';
import { pruneCommand } from './prune.ts';
import { healthCommand, statusCommand } from './status.ts';

// No host is reached: the production inventory without permission refuses every connection, so an
// unknown name must be reported before that (and before any lock, on any host, is touched).
describe('host names on the command line', () => {
  const ctx = (args: string[]): CommandContext =>
    ({ args, inventory: 'production', allowProduction: false, options: {}, json: false, out: () => {}, err: () => {} }) as CommandContext;
  const refused = async (run: Promise<number>) => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it('every unknown name is one error, listing the known hosts, before anything is reached', async () => {
    const message = await refused(lockCommand(ctx(['release', 'ocean', 'oecan', 'dns02'])));
    expect(message).toContain('inventories/production: oecan: no host "oecan"');
    expect(message).toContain('inventories/production: dns02: no host "dns02"');
    expect(message).toMatch(/one of: .*ocean/);
    expect(message).not.toContain('"ocean"');
    expect(await refused(lockCommand(ctx(['acquire', 'nas'])))).toContain('no host "nas"');
    expect(await refused(pruneCommand(ctx(['nas'])))).toContain('no host "nas"');
    expect(await refused(factsCommand(ctx(['ocean', 'nas'])))).toContain('no host "nas"');
    // Read-only commands too: a typo is not an empty answer.
    expect(await refused(statusCommand(ctx(['nas'])))).toContain('no host "nas"');
    expect(await refused(backupCheckCommand(ctx(['nas'])))).toContain('no host "nas"');
    expect(await refused(healthCommand(ctx(['plex', 'plexx'])))).toContain('no service named "plexx"');
  });

  it('a host without Docker has no locks, releases or status: said, with the hosts that have them', async () => {
    for (const run of [
      lockCommand(ctx(['acquire', 'ocean', 'node005'])),
      statusCommand(ctx(['node005'])),
      pruneCommand(ctx(['node006'])),
    ]) {
      const message = await refused(run);
      expect(message).toMatch(
        /inventories\/production\/node00[56]\/host\.yaml: docker: host "node00[56]" runs no Docker \(docker: false\)/,
      );
      expect(message).toMatch(/one of: (?!.*node00[56]).*ocean/);
    }
    // facts reads any host, Docker or not.
    await expect(factsCommand(ctx(['node005']))).rejects.toThrow(/refusing to connect/);
  });

  it('a name given twice is one host', () => {
    const inventory = loadInventory(repoRoot, 'production');
    expect(hostsNamed(inventory, ['ocean', 'dns01', 'ocean']).map((h) => h.name)).toEqual(['ocean', 'dns01']);
    // A command's selection: the named hosts in the inventory's order, or all of them (Docker ones with docker).
    const order = Object.keys(inventory.hosts);
    expect(hostsSelected(inventory, ['ocean', 'dns01', 'ocean']).map((h) => h.name)).toEqual(
      order.filter((n) => ['ocean', 'dns01'].includes(n)),
    );
    expect(hostsSelected(inventory, []).map((h) => h.name)).toEqual(order);
    expect(hostsSelected(inventory, [], { docker: true }).map((h) => h.name)).toEqual(
      order.filter((n) => !['node005', 'node006'].includes(n)),
    );
  });
});
