// Cloudflare Zero Trust Access for the public domains: the applications the catalog wants (one per
// exposed domain, with its reusable policy admin / plex-users / public), compared with what the
// account holds (plan, pure), and the API calls that make it so (apply). API v4:
// GET/POST /accounts/{account}/access/apps, PUT/DELETE /accounts/{account}/access/apps/{id},
// GET/POST /accounts/{account}/access/policies; every answer is { success, errors, messages, result }.
import type { Catalog } from '@homelab/model';

/** Applications this tool manages carry this name prefix; others in the account are never touched. */
export const managedPrefix = 'homelab: ';

export type AccessPolicyName = 'admin' | 'plex-users' | 'public';

export interface WantedApp {
  name: string;
  domain: string;
  policy: AccessPolicyName;
  service: string;
}

export interface AccessApp {
  id: string;
  name: string;
  domain: string;
  type?: string;
  policies?: Array<{ id: string; name?: string; precedence?: number }>;
}

export interface AccessPolicy {
  id: string;
  name: string;
  decision: string;
  reusable?: boolean;
}

export type AccessChange =
  | { action: 'create-policy'; policy: 'public'; body: Record<string, unknown> }
  | { action: 'create'; app: WantedApp }
  | { action: 'update'; app: WantedApp; id: string; was: string }
  | { action: 'delete'; id: string; name: string; domain: string };

export interface AccessPlan {
  changes: AccessChange[];
  /** Reusable policies the applications need that the account lacks and this tool does not create (they name people). */
  missingPolicies: string[];
}

// Pure: the applications the catalog wants.
export function wantedApps(catalog: Catalog): WantedApp[] {
  return catalog.services
    .filter((s) => s.spec.exposure?.domain && s.spec.exposure.access !== 'none')
    .map((s) => ({
      name: `${managedPrefix}${s.name}`,
      domain: s.spec.exposure!.domain!,
      policy: s.spec.exposure!.access as AccessPolicyName,
      service: s.name,
    }))
    .sort((a, b) => a.domain.localeCompare(b.domain));
}

// The reusable policy `public` lets everyone in without a login; admin and plex-users list people, so
// they are made in the dashboard (or the API) once and only referenced here.
export const publicPolicyBody = { name: 'public', decision: 'bypass', include: [{ everyone: {} }] };

// Pure: what must change in the account for it to hold exactly the wanted applications.
export function planAccess(wanted: WantedApp[], apps: AccessApp[], policies: AccessPolicy[]): AccessPlan {
  const changes: AccessChange[] = [];
  const byName = new Map(policies.filter((p) => p.reusable !== false).map((p) => [p.name, p]));
  const needed = [...new Set(wanted.map((w) => w.policy))].sort();
  const missingPolicies = needed.filter((p) => !byName.has(p) && p !== 'public');
  if (needed.includes('public') && !byName.has('public'))
    changes.push({ action: 'create-policy', policy: 'public', body: publicPolicyBody });
  const managed = apps.filter((a) => a.name.startsWith(managedPrefix));
  for (const w of wanted) {
    const current = managed.find((a) => a.name === w.name) ?? managed.find((a) => a.domain === w.domain);
    if (!current) {
      changes.push({ action: 'create', app: w });
      continue;
    }
    const names = (current.policies ?? []).map((p) => p.name ?? policies.find((q) => q.id === p.id)?.name ?? p.id);
    const was = `${current.domain} [${names.join(', ')}]`;
    if (current.domain !== w.domain || names.length !== 1 || names[0] !== w.policy || current.name !== w.name)
      changes.push({ action: 'update', app: w, id: current.id, was });
  }
  for (const a of managed)
    if (!wanted.some((w) => w.name === a.name || w.domain === a.domain))
      changes.push({ action: 'delete', id: a.id, name: a.name, domain: a.domain });
  return { changes, missingPolicies };
}

// Pure: the plan as lines a reviewer reads.
export function formatAccessPlan(plan: AccessPlan): string[] {
  const lines = plan.changes.map((c) => {
    switch (c.action) {
      case 'create-policy':
        return `+ reusable policy ${c.policy} (bypass: everyone)`;
      case 'create':
        return `+ application ${c.app.domain} (${c.app.service}) policy ${c.app.policy}`;
      case 'update':
        return `~ application ${c.app.domain} (${c.app.service}): ${c.was} -> ${c.app.domain} [${c.app.policy}]`;
      default:
        return `- application ${c.domain} (${c.name}): no service exposes it any more`;
    }
  });
  for (const p of plan.missingPolicies)
    lines.push(`! reusable policy ${p} is missing in the account: create it in Zero Trust > Access > Policies`);
  return lines.length ? lines : ['Access is up to date'];
}

export type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export class CloudflareApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  constructor(method: string, path: string, status: number, errors: string) {
    super(
      `Cloudflare API ${method} ${path} answered ${status}: ${errors || 'no error message'}; check the API token's permissions (Access: Apps and Policies Edit) and the account id`,
    );
    this.name = 'CloudflareApiError';
    this.method = method;
    this.path = path;
    this.status = status;
  }
}

// The API client: the token goes in the Authorization header only, never in a message.
export function cloudflareApi(accountId: string, token: string, fetchFn: Fetch, base = 'https://api.cloudflare.com/client/v4') {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetchFn(`${base}/accounts/${accountId}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json().catch(() => ({}))) as {
      success?: boolean;
      errors?: Array<{ code?: number; message?: string }>;
      result?: T;
    };
    if (!res.ok || json.success !== true)
      throw new CloudflareApiError(
        method,
        path,
        res.status,
        (json.errors ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; '),
      );
    return json.result as T;
  }
  return {
    listApps: () => call<AccessApp[]>('GET', '/access/apps'),
    listPolicies: () => call<AccessPolicy[]>('GET', '/access/policies'),
    createPolicy: (body: Record<string, unknown>) => call<AccessPolicy>('POST', '/access/policies', body),
    createApp: (body: Record<string, unknown>) => call<AccessApp>('POST', '/access/apps', body),
    updateApp: (id: string, body: Record<string, unknown>) => call<AccessApp>('PUT', `/access/apps/${id}`, body),
    deleteApp: (id: string) => call<{ id: string }>('DELETE', `/access/apps/${id}`),
  };
}

export type CloudflareApi = ReturnType<typeof cloudflareApi>;

// Reads the account and plans.
export async function readAccessPlan(api: CloudflareApi, wanted: WantedApp[]): Promise<{ plan: AccessPlan; policies: AccessPolicy[] }> {
  const [apps, policies] = await Promise.all([api.listApps(), api.listPolicies()]);
  return { plan: planAccess(wanted, apps, policies), policies };
}

// Applies a plan, in order (the public policy first, so applications can reference it); returns a line per change.
export async function applyAccessPlan(api: CloudflareApi, plan: AccessPlan, policies: AccessPolicy[]): Promise<string[]> {
  if (plan.missingPolicies.length)
    throw new Error(
      `reusable Access policies missing in the account: ${plan.missingPolicies.join(', ')}; create them first (Zero Trust > Access > Policies)`,
    );
  const ids = new Map(policies.map((p) => [p.name, p.id]));
  const done: string[] = [];
  const body = (w: WantedApp) => ({
    name: w.name,
    domain: w.domain,
    type: 'self_hosted',
    policies: [{ id: ids.get(w.policy), precedence: 1 }],
  });
  for (const c of plan.changes) {
    if (c.action === 'create-policy') ids.set(c.policy, (await api.createPolicy(c.body)).id);
    else if (c.action === 'create') await api.createApp(body(c.app));
    else if (c.action === 'update') await api.updateApp(c.id, body(c.app));
    else await api.deleteApp(c.id);
    done.push(formatAccessPlan({ changes: [c], missingPolicies: [] })[0]!);
  }
  return done;
}
