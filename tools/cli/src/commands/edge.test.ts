// `homelab edge plan|apply` on a throw-away workspace, against a faked fetch that answers in the shapes
// Cloudflare's API v4 documents ({ success, errors, messages, result }). No network here: nothing
// reaches api.cloudflare.com.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fetch } from '@homelab/edge';
import { serviceTs, tempWorkspace } from '@homelab/model/testing';
import { setSecret, type VaultSecret } from '@homelab/vault';
import type { CommandContext, VaultOptions } from './context.ts';
import { edgeCommand } from './edge.ts';

const vault: VaultSecret[] = [{ id: 'default', password: Buffer.from('edge-test-password'), source: 'test' }];
const probe = { probes: [{ type: 'http', port: 3000, path: '/health' }] };
const root = tempWorkspace({
  'inventories/production/inventory.yaml': 'name: production\nproduction: true\n',
  'inventories/production/ocean/host.yaml': 'address: 192.168.1.143\n',
  'packages/wiki/service.ts': serviceTs({
    description: 'wiki',
    host: 'ocean',
    exposure: { port: 3000, domain: 'wiki.terrac.com', access: 'admin' },
    health: probe,
  }),
  'packages/wiki/compose.yaml': 'services:\n  wiki:\n    image: example/wiki:1.0.0\n    healthcheck: { test: ["CMD", "true"] }\n',
  'packages/wiki/package.json': '{ "name": "@homelab/wiki", "version": "1.0.0" }\n',
  'vault-password': 'edge-test-password\n',
});
const accountFile = join(root, 'inventories/production/cloudflare.vault.yaml');
setSecret(accountFile, 'CLOUDFLARE_ACCOUNT_ID', 'acc123', vault[0]!, vault);
setSecret(accountFile, 'CLOUDFLARE_ACCESS_TOKEN', 'tok-secret', vault[0]!, vault);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function context(action: string, allowProduction: boolean, out: string[]): CommandContext<VaultOptions> {
  return {
    args: [action],
    inventory: 'production',
    allowProduction,
    options: { vaultPasswordFile: [join(root, 'vault-password')] },
    json: false,
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  };
}

const state = { apps: [] as Array<Record<string, unknown>>, calls: [] as string[] };
const ok = (result: unknown) => new Response(JSON.stringify({ success: true, errors: [], messages: [], result }), { status: 200 });
const fakeFetch: Fetch = async (url, init) => {
  const path = new URL(url).pathname;
  state.calls.push(`${init.method} ${path} ${init.headers.Authorization === 'Bearer tok-secret' ? 'token' : 'no token'}`);
  if (init.method === 'GET' && path.endsWith('/access/policies'))
    return ok([{ id: 'pol-admin', name: 'admin', decision: 'allow', reusable: true, include: [{ email: { email: 'me@terrac.com' } }] }]);
  if (init.method === 'GET' && path.endsWith('/access/apps')) return ok(state.apps);
  if (init.method === 'POST' && path.endsWith('/access/apps')) {
    const app = { id: 'app-1', ...JSON.parse(init.body!) };
    state.apps.push(app);
    return ok(app);
  }
  return new Response(JSON.stringify({ success: false, errors: [{ code: 7003, message: 'No route' }], messages: [], result: null }), {
    status: 404,
  });
};

describe('homelab edge', () => {
  it('is refused for a production inventory without --allow-production, before any call', async () => {
    await expect(edgeCommand(context('plan', false, []), fakeFetch, root)).rejects.toThrow(
      'refusing to connect to Cloudflare of inventory "production"',
    );
    expect(state.calls).toEqual([]);
  });

  it('plan reads the account and prints the diff; apply makes it; the next plan is empty', async () => {
    const planned: string[] = [];
    expect(await edgeCommand(context('plan', true, planned), fakeFetch, root)).toBe(0);
    expect(planned).toEqual(['+ application wiki.terrac.com (wiki) policy admin']);
    expect(state.calls.every((c) => c.startsWith('GET ') && c.endsWith(' token'))).toBe(true);
    const applied: string[] = [];
    expect(await edgeCommand(context('apply', true, applied), fakeFetch, root)).toBe(0);
    expect(applied).toEqual([
      '+ application wiki.terrac.com (wiki) policy admin',
      'done: + application wiki.terrac.com (wiki) policy admin',
    ]);
    expect(state.calls).toContain('POST /client/v4/accounts/acc123/access/apps token');
    expect(state.apps).toEqual([
      {
        id: 'app-1',
        name: 'homelab: wiki',
        domain: 'wiki.terrac.com',
        type: 'self_hosted',
        policies: [{ id: 'pol-admin', precedence: 1 }],
      },
    ]);
    const again: string[] = [];
    await edgeCommand(context('plan', true, again), fakeFetch, root);
    expect(again).toEqual(['Access is up to date']);
    expect([...planned, ...applied, ...again].join('\n')).not.toContain('tok-secret');
  });

  it('an inventory without an account file says which file to create', async () => {
    rmSync(accountFile);
    await expect(edgeCommand(context('plan', true, []), fakeFetch, root)).rejects.toThrow(
      'inventory production has no Cloudflare account: inventories/production/cloudflare.vault.yaml does not exist',
    );
  });
});
