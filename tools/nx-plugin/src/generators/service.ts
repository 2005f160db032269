// `nx g @homelab/nx-plugin:service <name> --image <image:tag>`: a service package that passes validate.
// The options are checked against the catalog first (the host exists, the host port is in range and
// free on that host, the domain unused), and the compose file is written through the yaml library.
import { joinPathFragments, type Tree } from '@nx/devkit';
import { Document, parse, Scalar } from 'yaml';
import { publishedPorts, type ComposeFile } from '@homelab/model';

export interface ServiceGeneratorOptions {
  name: string;
  image: string;
  port?: number;
  hostPort?: number;
  host?: string;
  healthPath?: string;
  domain?: string;
  access?: 'admin' | 'plex-users' | 'public' | 'none';
  /** Path of a Prometheus endpoint on the application's port: the generated scrape config collects it. */
  metricsPath?: string;
  category?: string;
  description?: string;
}

export interface NormalizedOptions extends Required<Omit<ServiceGeneratorOptions, 'domain' | 'metricsPath'>> {
  domain: string | undefined;
  metricsPath: string | undefined;
}

export function normalizeOptions(o: ServiceGeneratorOptions): NormalizedOptions {
  if (!/^[a-z][a-z0-9-]*$/.test(o.name)) throw new Error(`service name "${o.name}": use lower-case letters, digits and dashes`);
  const tag = o.image.includes('@') ? 'digest' : o.image.slice(o.image.lastIndexOf('/') + 1).split(':')[1];
  if (!tag || tag === 'latest') throw new Error(`image "${o.image}": pin a released tag (not latest), e.g. ${o.image.split(':')[0]}:1.2.3`);
  const port = o.port ?? 8080;
  for (const [flag, value] of [
    ['--port', port],
    ['--host-port', o.hostPort ?? port],
  ] as const)
    if (!Number.isInteger(value) || value < 1 || value > 65535)
      throw new Error(`${flag} ${value}: a port is a whole number from 1 to 65535`);
  return {
    name: o.name,
    image: o.image,
    port,
    hostPort: o.hostPort ?? port,
    host: o.host ?? 'ocean',
    healthPath: o.healthPath ?? '/health',
    domain: o.domain,
    access: o.access ?? 'admin',
    metricsPath: o.metricsPath,
    category: o.category ?? 'infrastructure',
    description: o.description ?? `${o.name}`,
  };
}

// The compose file through the yaml library: ports quoted (a YAML 1.1 reader takes 22:22 for a number),
// long lines kept whole.
function composeYaml(o: NormalizedOptions, compose: object): string {
  const doc = new Document(compose);
  const port = doc.getIn(['services', o.name, 'ports', 0], true) as Scalar;
  port.type = Scalar.QUOTE_DOUBLE;
  return doc.toString({ lineWidth: 0 });
}

// A TypeScript literal in the repository's style (single quotes), so the package passes Biome as written.
const js = (v: unknown): string => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v));

// Pure: the files of the package, by path relative to the workspace root.
export function serviceFiles(o: NormalizedOptions): Record<string, string> {
  const dir = `packages/${o.name}`;
  const exposure = { port: o.port, ...(o.domain ? { domain: o.domain } : {}), access: o.access };
  return {
    [`${dir}/package.json`]: `${JSON.stringify({ name: `@homelab/${o.name}`, version: '0.1.0', private: true, type: 'module', description: o.description, dependencies: { '@homelab/model': '0.1.0' }, nx: { name: o.name, tags: ['type:service'] } }, null, 2)}\n`,
    [`${dir}/compose.yaml`]: composeYaml(o, {
      services: {
        [o.name]: {
          image: o.image,
          ports: [`${o.hostPort}:${o.port}`],
          volumes: ['${CONFIG_ROOT}/data:/data'],
          healthcheck: {
            test: [
              'CMD-SHELL',
              `wget -qO- http://127.0.0.1:${o.port}${o.healthPath} >/dev/null || curl -fsS http://127.0.0.1:${o.port}${o.healthPath} >/dev/null`,
            ],
            interval: '15s',
            timeout: '5s',
            retries: 8,
          },
        },
      },
    }),
    [`${dir}/service.ts`]: [
      "import { defineService } from '@homelab/model';",
      '',
      'export default defineService({',
      `  description: ${js(o.description)},`,
      `  host: ${js(o.host)},`,
      `  category: ${js(o.category)},`,
      `  exposure: { ${Object.entries(exposure)
        .map(([k, v]) => `${k}: ${js(v)}`)
        .join(', ')} },`,
      ...(o.metricsPath ? [`  metrics: { port: ${o.hostPort}, path: ${js(o.metricsPath)} },`] : []),
      '  health: {',
      `    probes: [{ type: 'http', port: ${o.hostPort}, path: ${js(o.healthPath)}, expectStatus: [200] }],`,
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

/** What the catalog already holds that a new service must not collide with. */
export interface Catalog {
  /** The production inventory's hosts; undefined when the tree has none (an empty workspace). */
  hosts: string[] | undefined;
  services: Array<{ name: string; host: string | undefined; domain: string | undefined; compose: ComposeFile | undefined }>;
}

// Reads the catalog from the tree: hosts from inventories/production, and each package's host and
// domain from its service.ts (declarative literals) and published ports from its compose.yaml.
export function readCatalog(tree: Tree): Catalog {
  const inv = 'inventories/production';
  const hosts = tree.exists(inv)
    ? tree
        .children(inv)
        .filter((h) => tree.exists(`${inv}/${h}/host.yaml`))
        .sort()
    : undefined;
  const services = (tree.exists('packages') ? tree.children('packages') : [])
    .filter((name) => tree.exists(`packages/${name}/service.ts`))
    .map((name) => {
      const ts = tree.read(`packages/${name}/service.ts`, 'utf-8') ?? '';
      const text = tree.read(`packages/${name}/compose.yaml`, 'utf-8');
      let compose: ComposeFile | undefined;
      try {
        compose = text ? (parse(text) as ComposeFile) : undefined;
      } catch {
        compose = undefined;
      }
      return {
        name,
        host: /\bhost:\s*['"]([\w.-]+)['"]/.exec(ts)?.[1],
        domain: /\bdomain:\s*['"]([^'"]+)['"]/.exec(ts)?.[1],
        compose: compose?.services ? compose : undefined,
      };
    });
  return { hosts, services };
}

// Pure: why the options collide with the catalog, as error lines (empty: they fit).
export function catalogProblems(o: NormalizedOptions, catalog: Catalog): string[] {
  const problems: string[] = [];
  if (catalog.hosts && !catalog.hosts.includes(o.host))
    problems.push(`--host ${o.host}: no such host in inventories/production (one of: ${catalog.hosts.join(', ')})`);
  for (const other of catalog.services) {
    if (other.name === o.name) continue;
    if (other.host === o.host && other.compose && publishedPorts(other.compose).some((p) => p.port === o.hostPort && p.protocol === 'tcp'))
      problems.push(
        `--host-port ${o.hostPort}: already published on ${o.host} by ${other.name} (packages/${other.name}/compose.yaml); pick a free port`,
      );
    if (o.domain && other.domain === o.domain) problems.push(`--domain ${o.domain}: already the domain of ${other.name}`);
  }
  return problems;
}

export default async function serviceGenerator(tree: Tree, options: ServiceGeneratorOptions): Promise<void> {
  const o = normalizeOptions(options);
  if (tree.exists(joinPathFragments('packages', o.name, 'service.ts'))) throw new Error(`packages/${o.name} already exists`);
  const problems = catalogProblems(o, readCatalog(tree));
  if (problems.length) throw new Error(`cannot generate packages/${o.name}:\n  ${problems.join('\n  ')}`);
  for (const [path, content] of Object.entries(serviceFiles(o))) tree.write(path, content);
}
