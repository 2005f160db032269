// A typed view of the parts of a Compose file that rules and rendering read; the rest passes through.
import { z } from 'zod';

const composeServiceSchema = z.looseObject({
  image: z.string().min(1, 'every service needs an image (builds happen before deploy, not on the host)'),
  network_mode: z.string().optional(),
  expose: z.array(z.union([z.string(), z.number()])).optional(),
  ports: z
    .array(
      z.union([
        z.string(),
        z.number(),
        z.looseObject({
          target: z.number(),
          published: z.union([z.string(), z.number()]).optional(),
          host_ip: z.string().optional(),
          protocol: z.string().optional(),
        }),
      ]),
    )
    .optional(),
  environment: z.union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))]).optional(),
  networks: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  healthcheck: z.looseObject({ test: z.union([z.string(), z.array(z.string())]).optional(), disable: z.boolean().optional() }).optional(),
  deploy: z.looseObject({}).optional(),
  logging: z.looseObject({}).optional(),
  restart: z.string().optional(),
});

export const composeSchema = z.looseObject({
  name: z.string().optional(),
  services: z
    .record(z.string(), composeServiceSchema)
    .refine((s) => Object.keys(s).length > 0, 'a compose file needs at least one service'),
  networks: z.record(z.string(), z.union([z.looseObject({}), z.null()])).optional(),
  volumes: z.record(z.string(), z.union([z.looseObject({}), z.null()])).optional(),
  secrets: z.record(z.string(), z.union([z.looseObject({ file: z.string().optional() }), z.null()])).optional(),
});

export type ComposeFile = z.output<typeof composeSchema>;
export type ComposeService = ComposeFile['services'][string];

export interface PublishedPort {
  service: string;
  hostIp: string;
  port: number;
  protocol: string;
}

// Lists the host ports a compose file publishes ("8080:80", "127.0.0.1:53:53/udp", long syntax, ranges).
// A service on the host's network (network_mode: host) listens on the host directly: its host ports
// are the ones it lists under `expose` ("53/udp", 8053).
export function publishedPorts(compose: ComposeFile): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const [service, def] of Object.entries(compose.services)) {
    if (def.network_mode === 'host') {
      for (const entry of def.expose ?? []) {
        const [port = '', protocol = 'tcp'] = String(entry).split('/');
        for (const p of expandRange(port)) out.push({ service, hostIp: '0.0.0.0', port: p, protocol });
      }
      continue;
    }
    for (const entry of def.ports ?? []) {
      if (typeof entry === 'object') {
        if (entry.published === undefined) continue;
        for (const port of expandRange(withDefaults(String(entry.published)))) {
          out.push({ service, hostIp: entry.host_ip ?? '0.0.0.0', port, protocol: entry.protocol ?? 'tcp' });
        }
        continue;
      }
      const [spec = '', protocol = 'tcp'] = withDefaults(String(entry)).split('/');
      const parts = spec.split(':');
      if (parts.length < 2) continue; // container port only: docker picks a random host port
      const published = parts[parts.length - 2] ?? '';
      const hostIp =
        parts.length > 2
          ? parts
              .slice(0, -2)
              .join(':')
              .replace(/^\[|\]$/g, '')
          : '0.0.0.0';
      for (const port of expandRange(published)) out.push({ service, hostIp, port, protocol });
    }
  }
  return out;
}

function expandRange(text: string): number[] {
  const [from, to] = text.split('-').map(Number);
  if (from === undefined || Number.isNaN(from)) return [];
  if (to === undefined || Number.isNaN(to)) return [from];
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** A `${NAME}` reference in a compose file, and whether it has a default (`${NAME:-x}`). */
export interface VariableRef {
  name: string;
  hasDefault: boolean;
}

// Finds every ${VAR} and $VAR interpolation in compose text (Compose reads both), skipping escaped $$.
export function variableRefs(text: string): VariableRef[] {
  const refs = new Map<string, boolean>();
  for (const m of text.matchAll(/(?<!\$)(?:\$\$)*\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    const name = m[1] ?? m[3] ?? '';
    const hasDefault = (m[2] ?? '').replace(':', '').startsWith('-');
    refs.set(name, (refs.get(name) ?? false) || hasDefault);
  }
  return [...refs].map(([name, hasDefault]) => ({ name, hasDefault }));
}

// Pure: a compose value with each ${VAR:-default} / ${VAR-default} replaced by its default, so a port
// given with a default is checked as the port it publishes unless the variable is set.
export function withDefaults(value: string): string {
  return value.replace(/(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1');
}

/** An image reference split into repository, tag and digest. */
export interface ImageRef {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageRef {
  const [nameAndTag = '', digest] = image.split('@');
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? nameAndTag.slice(0, colon) : nameAndTag,
    tag: hasTag ? nameAndTag.slice(colon + 1) : undefined,
    digest,
  };
}
