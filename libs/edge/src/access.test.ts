// Cloudflare Access plan and apply against a faked fetch that answers in the shapes Cloudflare's API v4
// documents (GET/POST /accounts/{account_id}/access/apps, PUT/DELETE .../apps/{app_id},
// GET/POST .../access/policies; { success, errors, messages, result }). No network here: nothing
// reaches api.cloudflare.com.
import { describe, expect, it } from 'vitest';
import { catalogOf } from '@homelab/model';
import { host, inventory, service } from '@homelab/model/testing';
import { applyAccessPlan, cloudflareApi, formatAccessPlan, planAccess, readAccessPlan, wantedApps, type Fetch } from './access.ts';

const inv = inventory([host('ocean', { address: '10.0.0.1' })]);
const catalog = catalogOf(
  [
    service('grafana', { exposure: { port: 3000, domain: 'grafana.terrac.com', access: 'admin' } }),
    service('plex', { exposure: { port: 32400, domain: 'plex.terrac.com', access: 'plex-users' } }),
    service('site', { exposure: { port: 80, domain: 'www.terrac.com', access: 'public' } }),
    service('api', { exposure: { port: 8080, domain: 'api.terrac.com', access: 'none' } }),
    service('sonarr', { exposure: { port: 8989 } }),
  ],
  inv,
);

interface Call {
  method: string;
  url: string;
  auth: string | undefined;
  body: unknown;
}

// An account held in memory, answering as the API does.
function fakeCloudflare(state: { apps: Array<Record<string, unknown>>; policies: Array<Record<string, unknown>> }) {
  const calls: Call[] = [];
  let next = 1;
  const ok = (result: unknown, status = 200) =>
    new Response(JSON.stringify({ success: true, errors: [], messages: [], result }), { status });
  const fetchFn: Fetch = async (url, init) => {
    const body = init.body ? JSON.parse(init.body) : undefined;
    calls.push({ method: init.method, url, auth: init.headers.Authorization, body });
    const path = new URL(url).pathname.replace('/client/v4/accounts/acc123', '');
    if (init.headers.Authorization !== 'Bearer tok-secret')
      return new Response(
        JSON.stringify({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null }),
        {
          status: 403,
        },
      );
    if (init.method === 'GET' && path === '/access/apps') return ok(state.apps);
    if (init.method === 'GET' && path === '/access/policies') return ok(state.policies);
    if (init.method === 'POST' && path === '/access/policies') {
      const p = { id: `pol-${next++}`, reusable: true, app_count: 0, ...body };
      state.policies.push(p);
      return ok(p, 201);
    }
    if (init.method === 'POST' && path === '/access/apps') {
      const a = { id: `app-${next++}`, ...body };
      state.apps.push(a);
      return ok(a, 201);
    }
    const m = /^\/access\/apps\/([^/]+)$/.exec(path);
    if (m && init.method === 'PUT') {
      const i = state.apps.findIndex((a) => a.id === m[1]);
      state.apps[i] = { id: m[1], ...body };
      return ok(state.apps[i]);
    }
    if (m && init.method === 'DELETE') {
      state.apps = state.apps.filter((a) => a.id !== m[1]);
      return ok({ id: m[1] });
    }
    return new Response(
      JSON.stringify({ success: false, errors: [{ code: 7003, message: 'No route for the URI' }], messages: [], result: null }),
      { status: 404 },
    );
  };
  return { fetchFn, calls, state };
}

const policies = () => [
  { id: 'pol-admin', name: 'admin', decision: 'allow', include: [{ email: { email: 'me@terrac.com' } }], reusable: true },
  { id: 'pol-plex', name: 'plex-users', decision: 'allow', include: [{ email_list: { id: 'l1' } }], reusable: true },
];

describe('homelab edge: Cloudflare Access from the catalog', () => {
  it('wants one application per public domain with its policy; access none and LAN-only services have none', () => {
    expect(wantedApps(catalog).map((w) => `${w.domain} ${w.policy}`)).toEqual([
      'grafana.terrac.com admin',
      'plex.terrac.com plex-users',
      'www.terrac.com public',
    ]);
  });

  it('plans against the account: creates what is missing, fixes a wrong policy, removes its own stale apps, leaves others alone', () => {
    const apps = [
      {
        id: 'a1',
        name: 'homelab: grafana',
        domain: 'grafana.terrac.com',
        type: 'self_hosted',
        policies: [{ id: 'pol-plex', name: 'plex-users', precedence: 1 }],
      },
      { id: 'a2', name: 'homelab: old', domain: 'old.terrac.com', type: 'self_hosted', policies: [] },
      { id: 'a3', name: 'Hand made', domain: 'x.terrac.com', type: 'self_hosted', policies: [] },
    ];
    const plan = planAccess(wantedApps(catalog), apps, policies());
    expect(formatAccessPlan(plan)).toEqual([
      '+ reusable policy public (bypass: everyone)',
      '~ application grafana.terrac.com (grafana): grafana.terrac.com [plex-users] -> grafana.terrac.com [admin]',
      '+ application plex.terrac.com (plex) policy plex-users',
      '+ application www.terrac.com (site) policy public',
      '- application old.terrac.com (homelab: old): no service exposes it any more',
    ]);
  });

  it('apply makes the calls the plan says, with the token only in the Authorization header; a second plan is empty', async () => {
    const cf = fakeCloudflare({ apps: [], policies: policies() });
    const api = cloudflareApi('acc123', 'tok-secret', cf.fetchFn);
    const first = await readAccessPlan(api, wantedApps(catalog));
    expect(first.plan.changes.map((c) => c.action)).toEqual(['create-policy', 'create', 'create', 'create']);
    expect(cf.calls.map((c) => c.method)).toEqual(['GET', 'GET']); // planning only reads
    const done = await applyAccessPlan(api, first.plan, first.policies);
    expect(done).toHaveLength(4);
    const posts = cf.calls.filter((c) => c.method === 'POST');
    expect(posts[0]).toMatchObject({
      url: 'https://api.cloudflare.com/client/v4/accounts/acc123/access/policies',
      body: { name: 'public', decision: 'bypass', include: [{ everyone: {} }] },
    });
    expect(posts[1]!.body).toEqual({
      name: 'homelab: grafana',
      domain: 'grafana.terrac.com',
      type: 'self_hosted',
      policies: [{ id: 'pol-admin', precedence: 1 }],
    });
    // The public policy it created first is the one the public application references.
    const publicId = cf.state.policies.find((p) => p.name === 'public')!.id;
    expect(publicId).toMatch(/^pol-\d+$/);
    expect(posts[3]!.body).toMatchObject({ domain: 'www.terrac.com', policies: [{ id: publicId, precedence: 1 }] });
    for (const c of cf.calls) {
      expect(c.auth).toBe('Bearer tok-secret');
      expect(c.url).not.toContain('tok-secret');
      expect(JSON.stringify(c.body ?? {})).not.toContain('tok-secret');
    }
    // The account now holds what the catalog wants: policies are named in the apps' answers by id only.
    const again = await readAccessPlan(api, wantedApps(catalog));
    expect(formatAccessPlan(again.plan)).toEqual(['Access is up to date']);
  });

  it('a policy naming people that the account lacks stops apply with what to do; an API error names the call and the fix, never the token', async () => {
    const cf = fakeCloudflare({ apps: [], policies: [] });
    const api = cloudflareApi('acc123', 'tok-secret', cf.fetchFn);
    const { plan, policies: current } = await readAccessPlan(api, wantedApps(catalog));
    expect(plan.missingPolicies).toEqual(['admin', 'plex-users']);
    expect(formatAccessPlan(plan)).toContain(
      '! reusable policy admin is missing in the account: create it in Zero Trust > Access > Policies',
    );
    await expect(applyAccessPlan(api, plan, current)).rejects.toThrow('reusable Access policies missing in the account: admin, plex-users');
    const wrong = cloudflareApi('acc123', 'tok-wrong', cf.fetchFn);
    const error = (await wrong.listApps().catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "Cloudflare API GET /access/apps answered 403: 10000 Authentication error; check the API token's permissions (Access: Apps and Policies Edit) and the account id",
    );
    expect(error.message).not.toContain('tok-wrong');
  });
});
