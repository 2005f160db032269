// Pure: what the edge and monitoring builders read from the catalog: where each service is reached.
import { publishedPorts, type Catalog, type HostSpec, type LoadedService } from '@homelab/model';

const ipv4 = /^(\d{1,3}\.){3}\d{1,3}$/;

export function isIpv4(address: string): boolean {
  return ipv4.test(address);
}

// The host a service runs on, in the catalog's inventory (the catalog holds only placed services).
export function hostOf(catalog: Catalog, svc: LoadedService): HostSpec {
  const host = catalog.inventory.hosts[svc.spec.host];
  if (!host) throw new Error(`${svc.files.service}: host "${svc.spec.host}" is not in inventory ${catalog.inventory.name}`);
  return host;
}

// The port a compose service publishes on its host for a container port (undefined when it does not).
export function publishedFor(svc: LoadedService, composeService: string, containerPort: number): number | undefined {
  const def = svc.compose.services[composeService];
  if (!def) return undefined;
  if (def.network_mode === 'host') return containerPort;
  for (const entry of def.ports ?? []) {
    if (typeof entry === 'object') {
      if (Number(entry.target) === containerPort && entry.published !== undefined) return Number(entry.published);
      continue;
    }
    const parts = String(entry).split('/')[0]!.split(':');
    if (parts.length >= 2 && Number(parts[parts.length - 1]) === containerPort) return Number(parts[parts.length - 2]);
  }
  return undefined;
}

// host:port a scraper or prober on any host uses to reach a published port of a service.
export function hostPort(catalog: Catalog, svc: LoadedService, port: number): string {
  return `${hostOf(catalog, svc).address}:${port}`;
}

export { publishedPorts };
