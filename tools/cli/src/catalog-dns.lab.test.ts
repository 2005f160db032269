// The LAN's DNS chain on the lab host dns01: the real BIND 9 package, and Pi-hole's compose
// definition (host network, its dnsmasq file forwarding .home to BIND on 127.0.0.1:5300) run by
// Debian's dnsmasq, which stands in for Pi-hole's DNS side (FTL is dnsmasq). Only for this test: the
// stand-in has no web interface, so the lab inventory does not map Pi-hole's image and `homelab up`
// leaves Pi-hole out; here the image is mapped and the package's exec probe is its health gate.
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUp } from '@homelab/lab';
import { SshExecutor } from '@homelab/host';
import { NotReadyError, probeOnce, runHealthTest } from '@homelab/health';
import { probeTarget } from '@homelab/deploy';
import type { Inventory } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { deployParts, execProbe, labPart, removeParts } from './lab-parts.ts';
import { loadWorkspace } from './workspace.ts';

const { workspace } = await loadWorkspace('lab', repoRoot);
const pkg = (name: string) => workspace.services.find((s) => s.name === name)!;
const pihole = pkg('pihole');
const image = pihole.compose.services.pihole!.image;
const inventory: Inventory = { ...workspace.inventory, images: { ...workspace.inventory.images, [image]: 'lab/pihole-dns:2.90' } };
const dns01 = inventory.hosts.dns01!;
// The generated zone and Pi-hole records give the lab's own addresses.
const ocean = inventory.hosts.ocean!.address;
const part = labPart(pihole, ['pihole']);

beforeAll(async () => {
  await labUp(repoRoot, () => {});
  await removeParts([part], inventory);
}, 300_000);
afterAll(() => removeParts([part], inventory));

describe('Pi-hole forwards .home to BIND 9 on dns01', () => {
  it("BIND 9 and then Pi-hole deploy, and Pi-hole's own probe gets ocean.home from BIND through it", async () => {
    expect(image).not.toMatch(/^lab\//);
    const results = [...(await deployParts([pkg('bind9')], inventory)), ...(await deployParts([part], inventory))];
    for (const r of results) expect(r.result, `${r.service}: ${r.message}`).toMatch(/^(deployed|unchanged)$/);
    const seen = await probeOnce(part.spec.health, probeTarget(dns01, new SshExecutor(dns01), 'pihole'));
    expect(seen).toEqual([`exec pihole: dig +short +time=2 +tries=1 @127.0.0.1 ocean.home: ${ocean}`]);
  }, 300_000);

  it('clients on the LAN get .home names and pi.hole from port 53 of dns01', async () => {
    const resolver = new Resolver({ timeout: 3000, tries: 2 });
    resolver.setServers([dns01.address]);
    expect(await resolver.resolve4('ocean.home')).toEqual([ocean]);
    expect(await resolver.resolve4('pi.hole')).toEqual(['127.0.0.1']);
    // What Pi-hole's own records do not hold goes to BIND 9: the zone's SOA, with the serial of the generated zone.
    const soa = await resolver.resolveSoa('home');
    expect(soa.nsname).toBe('localhost');
    expect(pkg('bind9').configFiles['db.home']).toContain(`( ${soa.serial} 3600 600 604800 300 )`);
  });

  it('the probe fails on a name BIND does not have (it checks the answer, not the port)', async () => {
    const probe = execProbe(part, 'pihole');
    const missing = { ...probe, command: probe.command.map((a) => (a === 'ocean.home' ? 'nosuchhost.home' : a)) };
    const failure = await probeOnce({ ...part.spec.health, probes: [missing] }, probeTarget(dns01, new SshExecutor(dns01), 'pihole')).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NotReadyError);
    expect(String(failure)).toContain('output does not match /^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/ (got "")');
  });

  it('the compose healthcheck of the package (dig pi.hole) passes', async () => {
    const report = await runHealthTest(
      { probes: [{ type: 'container', service: 'pihole' }], timeoutSeconds: 60, intervalSeconds: 1 },
      probeTarget(dns01, new SshExecutor(dns01), 'pihole'),
    );
    expect(report.healthy, report.detail.join('; ')).toBe(true);
  });
});
