// Pure: the service's compose file with the host's values filled in.
import { gpuComposeFragment } from '@homelab/gpu';
import { webProxyNetwork, type ComposeFile, type HostSpec, type LoadedService } from '@homelab/model';
import { stringify } from 'yaml';
import { createHash } from 'node:crypto';

export interface RenderTarget {
  host: HostSpec;
  /** Inventory-wide upstream -> local image map. */
  images: Record<string, string>;
}

// The values behind ${DATA_ROOT}, ${CONFIG_ROOT}, ${CONFIG_BASE} (the host's config path, for the few files two
// services share by design: the certificates acme writes and nginx reads), ${PUID}, ${PGID}, ${TZ} and ${HOST_ADDRESS}.
export function hostValues(service: string, host: HostSpec): Record<string, string> {
  return {
    DATA_ROOT: host.paths.data,
    CONFIG_ROOT: `${host.paths.config}/${service}`,
    CONFIG_BASE: host.paths.config,
    PUID: String(host.uid),
    PGID: String(host.gid),
    TZ: host.timezone,
    HOST_ADDRESS: host.address,
  };
}

// Replaces host variables (also ${NAME:-default} forms) in every string; secrets stay as ${NAME} for .env.
function substitute<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}/g, (all, name: string) => vars[name] ?? all) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)])) as T;
  }
  return value;
}

function environmentRecord(env: unknown): Record<string, string | number | boolean | null> {
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry: string) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, null] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return { ...((env as Record<string, string | number | boolean | null> | undefined) ?? {}) };
}

function loggingFor(service: string, host: HostSpec): Record<string, unknown> {
  if (host.logDriver === 'journald') return { driver: 'journald', options: { tag: `${service}/{{.Name}}` } };
  return { driver: host.logDriver, options: { 'max-size': '10m', 'max-file': '3' } };
}

// Builds the rendered compose object: image overrides, logging, restart, TZ/PUID/PGID, GPU, web_proxy.
export function renderComposeObject(svc: LoadedService, target: RenderTarget): ComposeFile {
  const { host, images } = target;
  const source = substitute(svc.compose, hostValues(svc.name, host));
  const exposed = svc.spec.exposure ? svc.spec.exposure.service : undefined;
  const gpuService = svc.spec.gpu ? svc.spec.gpu.service : undefined;
  const services: ComposeFile['services'] = {};

  for (const [name, def] of Object.entries(source.services)) {
    const out: Record<string, unknown> = { ...def, image: images[def.image] ?? def.image };
    const env = environmentRecord(def.environment);
    env.TZ ??= host.timezone;
    if (svc.spec.puid) {
      env.PUID ??= String(host.uid);
      env.PGID ??= String(host.gid);
    }
    if (name === gpuService && svc.spec.gpu) {
      const gpu = gpuComposeFragment(svc.spec.gpu);
      Object.assign(env, gpu.environment);
      const deploy = { ...(def.deploy ?? {}) } as {
        resources?: { reservations?: Record<string, unknown> } & Record<string, unknown>;
      } & Record<string, unknown>;
      deploy.resources = { ...(deploy.resources ?? {}), reservations: { ...(deploy.resources?.reservations ?? {}), devices: gpu.devices } };
      out.deploy = deploy;
    }
    out.environment = env;
    out.restart = def.restart ?? 'unless-stopped';
    out.logging = def.logging ?? loggingFor(svc.name, host);
    out.labels = { ...labelsRecord(def.labels), 'homelab.service': svc.name, 'homelab.host': host.name };
    // A changed config file must recreate the containers that mount it: Compose only compares its own file.
    if (mountsFiles(def)) (out.labels as Record<string, string>)['homelab.files'] = filesHash(svc.configFiles);
    if (name === exposed) {
      const nets = def.networks;
      out.networks = Array.isArray(nets)
        ? [...new Set([...nets, webProxyNetwork])]
        : { ...(nets ?? { default: null }), [webProxyNetwork]: null };
    }
    services[name] = out as ComposeFile['services'][string];
  }

  const rendered: ComposeFile = { name: svc.name, ...source, services };
  rendered.name = svc.name;
  if (exposed) rendered.networks = { ...(source.networks ?? {}), [webProxyNetwork]: { external: true, name: webProxyNetwork } };
  return rendered;
}

function mountsFiles(def: { volumes?: unknown[] } & Record<string, unknown>): boolean {
  return ((def.volumes as unknown[] | undefined) ?? []).some((v) =>
    (typeof v === 'string' ? v : String((v as { source?: string }).source ?? '')).startsWith('./files'),
  );
}

function filesHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) h.update(`${path}\0${content}\0`);
  return h.digest('hex').slice(0, 16);
}

function labelsRecord(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l: string) => [l.split('=')[0], l.split('=').slice(1).join('=')]));
  return { ...((labels as Record<string, string> | undefined) ?? {}) };
}

// The rendered compose object as YAML text, with a header saying where it came from.
export function composeText(svc: LoadedService, host: HostSpec, rendered: ComposeFile): string {
  const header = `# Rendered by homelab from packages/${svc.name}/compose.yaml for host ${host.name} (inventory ${host.inventory}).\n# Do not edit on the host: the next deploy replaces it.\n`;
  return header + stringify(rendered, { lineWidth: 0, nullStr: '' });
}

// Pure: the external networks (web_proxy) a rendered compose file attaches to, which must exist on the host.
export function externalNetworks(rendered: ComposeFile): string[] {
  return Object.entries(rendered.networks ?? {})
    .flatMap(([key, n]) =>
      (n as { external?: boolean; name?: string } | null)?.external === true ? [(n as { name?: string }).name ?? key] : [],
    )
    .sort();
}

// Host directories that bind mounts under the host's data and config paths need; deploy creates
// the missing ones owned by the host's uid/gid (Docker would create them owned by root).
export function bindDirectories(rendered: ComposeFile, host: HostSpec): string[] {
  const roots = [host.paths.data, host.paths.config];
  const dirs = new Set<string>();
  for (const def of Object.values(rendered.services)) {
    for (const v of (def as { volumes?: unknown[] }).volumes ?? []) {
      const source =
        typeof v === 'string'
          ? v.split(':')[0]
          : (v as { type?: string; source?: string }).type === 'bind'
            ? (v as { source?: string }).source
            : undefined;
      if (source && roots.some((r) => source === r || source.startsWith(`${r}/`))) dirs.add(source.replace(/\/+$/, ''));
    }
  }
  return [...dirs].sort();
}
