// Pure: what Prometheus collects, from the catalog: a scrape job per service that declares `metrics`,
// and a blackbox probe per HTTP/TCP health probe of every service (addressed from the inventory).
import type { Catalog, LoadedService } from '@homelab/model';

export interface ScrapeJob {
  job: string;
  service: string;
  host: string;
  target: string;
  path: string;
}

export interface ProbeTarget {
  service: string;
  host: string;
  /** Blackbox module name (one per probe: its expected status and body). */
  module: string;
  kind: 'http' | 'tcp';
  target: string;
  validStatus: number[];
  bodyRegexp: string | undefined;
  tlsServerName: string | undefined;
}

function address(catalog: Catalog, svc: LoadedService): string {
  const host = catalog.inventory.hosts[svc.spec.host];
  if (!host) throw new Error(`${svc.files.service}: host "${svc.spec.host}" is not in inventory ${catalog.inventory.name}`);
  return host.address;
}

export function scrapeJobs(catalog: Catalog): ScrapeJob[] {
  return catalog.services.flatMap((svc) =>
    svc.spec.metrics
      ? [
          {
            job: svc.name,
            service: svc.name,
            host: svc.spec.host,
            target: `${address(catalog, svc)}:${svc.spec.metrics.port}`,
            path: svc.spec.metrics.path,
          },
        ]
      : [],
  );
}

// Probes asked over the network (not from inside a container: those reach no published port); and the
// TLS endpoint of every public domain at the proxy, for certificate expiry.
export function probeTargets(catalog: Catalog, proxy = 'nginx'): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const svc of catalog.services) {
    const at = address(catalog, svc);
    svc.spec.health.probes.forEach((p, i) => {
      const base = { service: svc.name, host: svc.spec.host, module: `${svc.name}_${i}`, tlsServerName: undefined };
      if (p.type === 'http' && !p.container)
        out.push({
          ...base,
          kind: 'http',
          target: `${p.scheme}://${at}:${p.port}${p.path}`,
          validStatus: p.expectStatus,
          bodyRegexp: p.expectBody,
        });
      else if (p.type === 'tcp') out.push({ ...base, kind: 'tcp', target: `${at}:${p.port}`, validStatus: [], bodyRegexp: undefined });
    });
  }
  const nginx = catalog.services.find((s) => s.name === proxy);
  if (nginx)
    for (const svc of catalog.services)
      if (svc.spec.exposure?.domain)
        out.push({
          service: svc.name,
          host: nginx.spec.host,
          module: `${svc.name}_tls`,
          kind: 'http',
          target: `https://${address(catalog, nginx)}:443/`,
          // Any answer of the application proves the certificate and the route; expiry is read from the handshake.
          validStatus: [],
          bodyRegexp: undefined,
          tlsServerName: svc.spec.exposure.domain,
        });
  return out;
}
