// `homelab affected` on a throw-away git repository made from this workspace: one commit per kind of
// change, and the exact set of services whose release changes, for the production and the lab inventory.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listServices, loadInventory, loadService } from '@homelab/model';
import { throwawayRepo, type ThrowawayRepo } from '@homelab/nx-plugin/testing';
import { setSecret, type VaultSecret } from '@homelab/vault';
import { affectedBetween, type AffectedResult } from './affected.ts';

const vault: VaultSecret[] = [{ id: 'default', password: Buffer.from('affected-test-password'), source: 'test' }];
let repo: ThrowawayRepo;
let onHost: (inventory: string, host: string) => Promise<string[]>;

// Commits `change` and returns what changed between the commit before and it.
async function change(edit: () => void, inventory = 'production', password?: VaultSecret[]): Promise<AffectedResult> {
  edit();
  await repo.commitAll('change');
  return affectedBetween(repo.root, 'HEAD~1', 'HEAD', inventory, password);
}
const names = (r: AffectedResult) => r.affected.map((a) => a.service);
const reasons = (r: AffectedResult, service: string) => r.affected.find((a) => a.service === service)?.reasons ?? [];
const file = (path: string) => join(repo.root, path);
const rewrite = (path: string, from: string | RegExp, to: string) => () => {
  const before = readFileSync(file(path), 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${path}: nothing to replace`);
  writeFileSync(file(path), after);
};
const append = (path: string, text: string) => () => appendFileSync(file(path), text);

beforeAll(async () => {
  repo = await throwawayRepo((root) => {
    setSecret(join(root, 'packages/grafana/secrets.vault.yaml'), 'GRAFANA_ADMIN_PASSWORD', 'first', vault[0]!, vault);
    setSecret(join(root, 'packages/grafana/secrets.vault.yaml'), 'GRAFANA_DB_PASSWORD', 'db', vault[0]!, vault);
  });
  onHost = async (inventory, host) => {
    const inv = loadInventory(repo.root, inventory);
    const out: string[] = [];
    for (const name of listServices(repo.root)) {
      const svc = await loadService(repo.root, name);
      if (svc.spec.host === host && inv.hosts[host] && (!svc.spec.inventories || svc.spec.inventories.includes(inventory))) out.push(name);
    }
    return out;
  };
}, 120_000);
afterAll(() => rmSync(repo.root, { recursive: true, force: true }));

describe('homelab affected: exactly the services whose release changes', () => {
  it("a service's own files select that service, with the reason", async () => {
    const r = await change(rewrite('packages/plex/compose.yaml', /image: (\S+):(\S+)/, 'image: $1:9.9.9'));
    expect(names(r)).toEqual(['plex']);
    expect(reasons(r, 'plex')[0]).toMatch(/^image of plex: .* -> .*:9\.9\.9$/);
    expect(names(await change(append('packages/loki/files/loki.yaml', '\n# retention reviewed\n')))).toEqual(['loki']);
    expect(reasons(await change(rewrite('packages/nginx/service.ts', 'timeoutSeconds: ', 'timeoutSeconds: 1 + ')), 'nginx')).toEqual([
      'health test changed',
    ]);
  });

  it('a comment in compose.yaml or service.ts, or docs, select nothing', async () => {
    expect(names(await change(append('packages/plex/compose.yaml', '\n# a comment\n')))).toEqual([]);
    expect(names(await change(append('packages/plex/service.ts', '\n// a comment\n')))).toEqual([]);
    expect(names(await change(append('README.md', '\nmore words\n')))).toEqual([]);
  });

  // Every service production deploys: not the lab-only static-site, nor tinacms while the production
  // inventory does not name its private image (it is skipped until then).
  const deployedInProduction = () => listServices(repo.root).filter((s) => s !== 'static-site' && s !== 'tinacms');

  it('a library change selects every service whose rendered output changes, a refactoring none', async () => {
    const all = names(await change(rewrite('libs/render/src/systemd-unit.ts', "'TimeoutStartSec=300'", "'TimeoutStartSec=600'")));
    expect(all).toEqual(deployedInProduction());
    const gpu = await change(
      rewrite(
        'libs/gpu/src/reservation.ts',
        "capabilities: ['gpu', ...gpu.capabilities]",
        "capabilities: ['gpu', 'utility', ...gpu.capabilities]",
      ),
    );
    expect(names(gpu)).toEqual(['comfyui', 'dcgm-exporter', 'frigate', 'llama-cpp', 'plex', 'tdarr']);
    expect(reasons(gpu, 'plex')).toEqual(['compose.yaml changed']);
    expect(names(await change(append('libs/render/src/compose.ts', '\n// a comment only\n')))).toEqual([]);
    expect(
      names(
        await change(rewrite('libs/validate/src/validate.ts', 'export function placeholderSecrets', 'export function placeholderValues')),
      ),
    ).toEqual([]);
  });

  it("a host's entry selects only the services placed on it; the lab inventory never selects a production service", async () => {
    const dns = await change(rewrite('inventories/production/dns01/host.yaml', /^address: .*$/m, 'address: 192.168.1.53'));
    // Those placed on it, and Prometheus, which scrapes and probes them at that address.
    expect(names(dns)).toEqual([...(await onHost('production', 'dns01')), 'prometheus']);
    expect(names(dns)).toEqual(['bind9', 'pihole', 'prometheus']);
    expect(reasons(dns, 'prometheus')).toEqual(['compose.yaml changed', 'files/prometheus.yml changed']);
    expect(names(await change(append('inventories/production/dns01/host.yaml', '# a comment\n')))).toEqual([]);
    expect(
      names(await change(rewrite('inventories/lab/ocean/host.yaml', /^description: .*$/m, 'description: changed'), 'production')),
    ).toEqual([]);
    const labChange = () => rewrite('inventories/lab/inventory.yaml', 'timezone: Etc/UTC', 'timezone: Europe/Berlin')();
    expect(names(await change(labChange, 'production'))).toEqual([]);
    // The same kind of change, read for the lab: only the services the lab runs (static-site among them).
    const lab = await affectedBetween(repo.root, 'HEAD~1', 'HEAD', 'lab');
    expect(names(lab)).toContain('static-site');
    expect(names(lab)).not.toContain('plex'); // a GPU service: not deployed in the lab
  });

  it('inventory defaults select every service of that inventory; an image map only the services that run the image', async () => {
    const tz = await change(rewrite('inventories/production/inventory.yaml', 'timezone: Etc/UTC', 'timezone: Europe/Berlin'));
    expect(names(tz)).toEqual(deployedInProduction());
    const image = (await loadService(repo.root, 'tautulli')).compose.services.tautulli!.image;
    const mapped = await change(rewrite('inventories/production/inventory.yaml', 'images: {}', `images:\n  ${image}: mirror.lan/${image}`));
    expect(names(mapped)).toEqual(['tautulli']);
    expect(reasons(mapped, 'tautulli')).toEqual([`image of tautulli: ${image} -> mirror.lan/${image}`]);
  });

  it('a lab-only service never appears for production; it is new for the lab when it is added', async () => {
    const r = await change(rewrite('packages/static-site/compose.yaml', /image: (\S+)/, 'image: $1-changed'));
    expect(names(r)).toEqual([]);
    expect(r.removed).toEqual([]);
    expect(names(await affectedBetween(repo.root, 'HEAD~1', 'HEAD', 'lab'))).toEqual(['static-site']);
    const moved = await change(rewrite('packages/node-exporter/service.ts', "host: 'ocean'", "host: 'dns01'"));
    expect(names(moved)).toEqual(['node-exporter', 'prometheus']);
    expect(reasons(moved, 'node-exporter')).toContain('moved from host ocean to dns01');
  });

  it('secrets: names always; values compared decrypted when the vault password is given', async () => {
    const path = 'packages/grafana/secrets.vault.yaml';
    // The same value encrypted again (a new salt): unchanged with the password, unknown without it.
    const same = () => setSecret(file(path), 'GRAFANA_ADMIN_PASSWORD', 'first', vault[0]!, vault);
    expect(names(await change(same, 'production', vault))).toEqual([]);
    expect(reasons(await affectedBetween(repo.root, 'HEAD~1', 'HEAD', 'production'), 'grafana')).toEqual([
      'secret GRAFANA_ADMIN_PASSWORD re-encrypted or changed (no vault password to compare the values)',
    ]);
    const other = await change(() => setSecret(file(path), 'GRAFANA_ADMIN_PASSWORD', 'second', vault[0]!, vault), 'production', vault);
    expect(names(other)).toEqual(['grafana']);
    expect(reasons(other, 'grafana')).toEqual(['secret GRAFANA_ADMIN_PASSWORD changed']);
    expect(JSON.stringify(other)).not.toContain('second');
    const added = await change(
      rewrite(
        'packages/grafana/service.ts',
        "secrets: ['GRAFANA_ADMIN_PASSWORD',",
        "secrets: ['GRAFANA_SMTP_PASSWORD', 'GRAFANA_ADMIN_PASSWORD',",
      ),
      'production',
      vault,
    );
    expect(reasons(added, 'grafana')).toEqual(['secrets +GRAFANA_SMTP_PASSWORD']);
  });

  it("a service's exposure, port, host or health test changes exactly the releases generated from them", async () => {
    const domain = await change(rewrite('packages/grafana/service.ts', "domain: 'grafana.terrac.com'", "domain: 'dash.terrac.com'"));
    // The vhost, the tunnel route, the certificate's domain and the TLS probe's server name; Grafana's own release is the same.
    expect(names(domain)).toEqual(['acme', 'blackbox-exporter', 'cloudflared', 'nginx']);
    expect(reasons(domain, 'nginx')).toEqual([
      'compose.yaml changed',
      'files/conf.d/grafana.conf changed',
      'files/tls.d/dash.terrac.com.conf added',
      'files/tls.d/grafana.terrac.com.conf removed',
    ]);
    expect(reasons(domain, 'cloudflared')).toEqual(['compose.yaml changed', 'files/config.yml changed']);
    const port = await change(rewrite('packages/plex/service.ts', 'exposure: { port: 32400', 'exposure: { port: 32401'));
    expect(names(port)).toEqual(['nginx']);
    const probe = await change(rewrite('packages/plex/service.ts', "path: '/identity'", "path: '/identity?x=1'"));
    expect(names(probe)).toEqual(['plex', 'prometheus']);
    expect(reasons(probe, 'prometheus')).toEqual(['compose.yaml changed', 'files/prometheus.yml changed']);
    const body = await change(rewrite('packages/plex/service.ts', 'machineIdentifier="[^"]+"', 'machineIdentifier="[^"]*"'));
    expect(names(body)).toEqual(['blackbox-exporter', 'plex']);
    const exposed = await change(
      rewrite(
        'packages/tautulli/service.ts',
        "exposure: { port: 8181, access: 'admin' }",
        "exposure: { port: 8181, access: 'admin', domain: 'stats.terrac.com' }",
      ),
    );
    expect(names(exposed)).toEqual(['acme', 'blackbox-exporter', 'cloudflared', 'nginx', 'prometheus']);
    // The generated files of the lab: the lab runs nginx, BIND 9 and Prometheus with what the lab can run.
    const lab = await affectedBetween(repo.root, 'HEAD~1', 'HEAD', 'lab');
    expect(names(lab)).toEqual([]);
  });

  it('a service that cannot be loaded at head is reported, not left out, and so are the services generated from it', async () => {
    const r = await change(() => writeFileSync(file('packages/bazarr/service.ts'), 'process.exit(0);\n'));
    expect(r.broken.map((b) => b.service).sort()).toEqual(
      ['acme', 'alertmanager', 'bazarr', 'bind9', 'blackbox-exporter', 'cloudflared', 'grafana', 'nginx', 'pihole', 'prometheus'].sort(),
    );
    expect(r.broken.find((b) => b.service === 'nginx')?.message).toContain('bazarr cannot be loaded');
    expect(names(r)).toEqual([]);
  });
});
