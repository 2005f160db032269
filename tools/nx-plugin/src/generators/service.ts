// `nx g @homelab/nx-plugin:service <name> --image <image:tag>`: a service package that passes validate.
import { joinPathFragments, type Tree } from '@nx/devkit';

export interface ServiceGeneratorOptions {
  name: string;
  image: string;
  port?: number;
  hostPort?: number;
  host?: string;
  healthPath?: string;
  domain?: string;
  access?: 'admin' | 'plex-users' | 'public' | 'none';
  category?: string;
  description?: string;
}

export interface NormalizedOptions extends Required<Omit<ServiceGeneratorOptions, 'domain'>> {
  domain: string | undefined;
}

export function normalizeOptions(o: ServiceGeneratorOptions): NormalizedOptions {
  if (!/^[a-z][a-z0-9-]*$/.test(o.name)) throw new Error(`service name "${o.name}": use lower-case letters, digits and dashes`);
  const tag = o.image.includes('@') ? 'digest' : o.image.slice(o.image.lastIndexOf('/') + 1).split(':')[1];
  if (!tag || tag === 'latest') throw new Error(`image "${o.image}": pin a released tag (not latest), e.g. ${o.image.split(':')[0]}:1.2.3`);
  const port = o.port ?? 8080;
  return {
    name: o.name,
    image: o.image,
    port,
    hostPort: o.hostPort ?? port,
    host: o.host ?? 'ocean',
    healthPath: o.healthPath ?? '/health',
    domain: o.domain,
    access: o.access ?? 'admin',
    category: o.category ?? 'infrastructure',
    description: o.description ?? `${o.name}`,
  };
}

// Pure: the files of the package, by path relative to the workspace root.
export function serviceFiles(o: NormalizedOptions): Record<string, string> {
  const dir = `packages/${o.name}`;
  const exposure = { port: o.port, ...(o.domain ? { domain: o.domain } : {}), access: o.access };
  return {
    [`${dir}/package.json`]: `${JSON.stringify({ name: `@homelab/${o.name}`, version: '0.1.0', private: true, type: 'module', description: o.description, dependencies: { '@homelab/model': '0.1.0' }, nx: { name: o.name, tags: ['type:service'] } }, null, 2)}\n`,
    [`${dir}/compose.yaml`]: [
      'services:',
      `  ${o.name}:`,
      `    image: ${o.image}`,
      '    ports:',
      `      - "${o.hostPort}:${o.port}"`,
      '    volumes:',
      '      - ${CONFIG_ROOT}/data:/data',
      '    healthcheck:',
      `      test: ["CMD-SHELL", "wget -qO- http://127.0.0.1:${o.port}${o.healthPath} >/dev/null || curl -fsS http://127.0.0.1:${o.port}${o.healthPath} >/dev/null"]`,
      '      interval: 15s',
      '      timeout: 5s',
      '      retries: 8',
      '',
    ].join('\n'),
    [`${dir}/service.ts`]: [
      "import { defineService } from '@homelab/model';",
      '',
      'export default defineService({',
      `  description: ${JSON.stringify(o.description)},`,
      `  host: ${JSON.stringify(o.host)},`,
      `  category: ${JSON.stringify(o.category)},`,
      `  exposure: { ${Object.entries(exposure)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ')} },`,
      '  health: {',
      `    probes: [{ type: 'http', port: ${o.hostPort}, path: ${JSON.stringify(o.healthPath)}, expectStatus: [200] }],`,
      '    timeoutSeconds: 120,',
      '  },',
      "  backups: { volumes: ['${CONFIG_ROOT}/data'] },",
      '});',
      '',
    ].join('\n'),
    // Replace with the application's real answers (its documented health API) and tighten the probe.
    [`${dir}/health.recorded.json`]: `${JSON.stringify({ [o.healthPath]: { ready: { status: 200, body: '' }, notReady: { status: 503, body: '' } } }, null, 2)}\n`,
  };
}

export default async function serviceGenerator(tree: Tree, options: ServiceGeneratorOptions): Promise<void> {
  const o = normalizeOptions(options);
  if (tree.exists(joinPathFragments('packages', o.name, 'service.ts'))) throw new Error(`packages/${o.name} already exists`);
  for (const [path, content] of Object.entries(serviceFiles(o))) tree.write(path, content);
}
