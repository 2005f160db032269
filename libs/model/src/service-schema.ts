// The schema behind defineService(): what compose cannot say about a service.
import { z } from 'zod';

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

export const accessPolicySchema = z
  .enum(['admin', 'plex-users', 'public', 'none'])
  .describe('Cloudflare Zero Trust Access policy in front of the public domain');

export const exposureSchema = z
  .object({
    service: name.optional().describe('compose service behind the proxy; defaults to the package name'),
    port: z.number().int().min(1).max(65535).describe('container port the reverse proxy forwards to'),
    domain: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a domain such as plex.terrac.com')
      .optional()
      .describe('public domain published through the Cloudflare tunnel'),
    access: accessPolicySchema.default('admin'),
    websockets: z.boolean().default(false).describe('the application upgrades HTTP to websockets (nginx passes Upgrade/Connection)'),
    maxBodySize: z
      .string()
      .regex(/^[0-9]+[kmg]?$/, 'an nginx size such as 100m')
      .optional()
      .describe('largest request body the proxy accepts (uploads), e.g. 10g; nginx default 1m when absent'),
  })
  .strict();

export const metricsSchema = z
  .object({
    service: name.optional().describe('compose service that serves the metrics; defaults to the package name'),
    port: z.number().int().min(1).max(65535).describe('published host port Prometheus scrapes'),
    path: z.string().startsWith('/').default('/metrics'),
  })
  .strict();

export const gpuSchema = z
  .object({
    service: name.optional().describe('compose service that uses the GPU; defaults to the package name'),
    vramMiB: z.number().int().positive().describe('VRAM this service needs at peak, in MiB'),
    devices: z
      .union([z.literal('all'), z.array(z.union([z.number().int().min(0), z.string().regex(/^GPU-[0-9a-f-]+$/)])).min(1)])
      .default('all')
      .describe('all GPUs, or GPU indexes, or GPU UUIDs'),
    capabilities: z
      .array(z.enum(['compute', 'utility', 'video', 'graphics', 'display', 'compat32']))
      .min(1)
      .default(['compute', 'utility']),
    ldLibraryPathFix: z
      .boolean()
      .default(false)
      .describe('Plex: prepend the NVIDIA driver libraries to LD_LIBRARY_PATH so hardware transcoding finds them'),
  })
  .strict();

const httpProbeSchema = z
  .object({
    type: z.literal('http'),
    port: z.number().int().min(1).max(65535).describe('published host port, or the container port with `container`'),
    container: name
      .optional()
      .describe(
        'ask from inside this compose service (wget in its container) instead of over the network: for services reached only through the proxy',
      ),
    path: z.string().startsWith('/').default('/'),
    scheme: z.enum(['http', 'https']).default('http'),
    expectStatus: z.array(z.number().int()).min(1).default([200]),
    expectBody: z.string().optional().describe('regular expression the body must match'),
    expectJson: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('dotted JSON paths and the values they must hold, e.g. { "database": "ok" }'),
  })
  .strict();

const tcpProbeSchema = z.object({ type: z.literal('tcp'), port: z.number().int().min(1).max(65535) }).strict();

const containerProbeSchema = z
  .object({ type: z.literal('container'), service: name.describe('compose service whose healthcheck must say healthy') })
  .strict();

const execProbeSchema = z
  .object({
    type: z.literal('exec'),
    service: name.describe('compose service whose running container runs the command (docker exec)'),
    command: z
      .array(z.string().min(1))
      .min(1)
      .refine(
        (argv) => !argv.some((a) => /\$\{[A-Za-z_]/.test(a)),
        'take secrets from the container\'s own environment ("$VAR" inside sh -c), never from ${...} here',
      )
      .describe('argv run in the container, e.g. ["redis-cli", "ping"]; a secret is read from the container\'s environment'),
    expectOutput: z.string().min(1).describe('regular expression its output (stdout and stderr) must match; the command must also exit 0'),
  })
  .strict();

export const probeSchema = z.discriminatedUnion('type', [httpProbeSchema, tcpProbeSchema, containerProbeSchema, execProbeSchema]);

export const healthSchema = z
  .object({
    probes: z.array(probeSchema).min(1).describe('every probe must pass'),
    timeoutSeconds: z.number().positive().default(120).describe('deadline for the service to become healthy'),
    intervalSeconds: z.number().positive().default(1).describe('first wait between tries; it grows each time'),
  })
  .strict();

export const rolloutSchema = z
  .object({
    services: z.array(name).min(1).describe('compose services whose replicas are replaced one at a time'),
    busy: z
      .array(z.string().min(1))
      .min(1)
      .refine((argv) => !argv.some((a) => /\$\{[A-Za-z_]/.test(a)), 'no ${...} here: the command runs in the container as written')
      .describe('argv run in a replica: exit 0 means it is busy (a CI job runs there) and it is replaced only once idle'),
    maxWaitMinutes: z
      .number()
      .int()
      .positive()
      .default(360)
      .describe('how long a busy replica may keep the old release (GitHub caps a job at 6 h)'),
  })
  .strict();

export const backupDatabaseSchema = z
  .object({
    service: name.describe('compose service that runs the database'),
    engine: z
      .enum(['mariadb', 'mysql', 'postgres', 'redis'])
      .describe(
        'mariadb/mysql: mariadb-dump/mysqldump --single-transaction in the container; postgres: pg_dump --clean; redis: redis-cli --rdb',
      ),
  })
  .strict();

export const backupSchema = z
  .object({
    volumes: z.array(z.string().min(1)).min(1).describe('named volumes or data paths to back up'),
    schedule: z
      .string()
      .regex(/^(hourly|daily|weekly|[0-9*].*)$/, 'hourly, daily, weekly or a systemd OnCalendar expression such as "*-*-* 03:30"')
      .default('daily'),
    keep: z
      .object({
        last: z
          .number()
          .int()
          .min(0)
          .default(3)
          .describe('the newest snapshots kept whatever their day (a backup taken by hand before a change)'),
        daily: z.number().int().min(0).default(7),
        weekly: z.number().int().min(0).default(4),
        monthly: z.number().int().min(0).default(6),
      })
      .prefault({}),
    databases: z
      .array(backupDatabaseSchema)
      .default([])
      .describe('databases dumped inside their container, never copied as live files: their data folders are left out of the file copy'),
    stop: z
      .string()
      .min(10, 'say why, in a sentence')
      .optional()
      .describe('the service is stopped for the copy, and why (its documentation says a live copy of its data is not consistent)'),
  })
  .strict();

export const serviceSchema = z
  .object({
    description: z.string().min(1),
    host: name.describe('inventory host the service runs on'),
    inventories: z
      .array(name)
      .min(1)
      .optional()
      .describe('the inventories the service exists in (e.g. ["lab"] for a lab-only demo); every inventory when absent'),
    category: z.enum(['infrastructure', 'media', 'ai', 'monitoring', 'cloud', 'automation', 'lab']).default('infrastructure'),
    exposure: exposureSchema.optional(),
    gpu: gpuSchema.optional(),
    metrics: metricsSchema.optional().describe('a Prometheus endpoint: the generated scrape config collects it'),
    secrets: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are environment variable names, e.g. DB_PASSWORD'))
      .default([])
      .describe('secrets the compose file references as ${NAME}; values come from secrets.vault.yaml'),
    optionalSecrets: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are environment variable names, e.g. DB_PASSWORD'))
      .default([])
      .describe('secrets that may be absent (an empty value is deployed), e.g. an optional webhook URL'),
    secretFiles: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a secret named in secrets'),
        z
          .object({
            uid: z
              .number()
              .int()
              .min(0)
              .describe('uid the container reads it as (not the host user, e.g. 65534 for nobody); the file is 0400 and owned by it'),
          })
          .strict(),
      )
      .default({})
      .describe(
        'secrets the release also holds as files secrets/<NAME> (mode 0400, owned by uid), for a top-level compose secret with file: ./secrets/<NAME>; the application reads /run/secrets/<name>, never an environment variable or a command line',
      ),
    puid: z.boolean().default(false).describe('set PUID/PGID from the host uid/gid (linuxserver.io images)'),
    health: healthSchema,
    backups: backupSchema.optional(),
    rollout: rolloutSchema
      .optional()
      .describe('replace the replicas of one compose service one at a time, leaving busy ones (a running CI job) until they are idle'),
    healthcheckExemptions: z
      .record(name, z.string().min(10, 'say why, in a sentence'))
      .default({})
      .describe('compose services that cannot carry a healthcheck (no shell, no HTTP port), and why'),
    dependsOn: z.array(name).default([]).describe('services that must run first, on any host'),
    registryLogin: z
      .object({
        registry: z
          .string()
          .min(1)
          .default('https://index.docker.io/v1/')
          .describe("the registry's address in Docker's config.json (Docker Hub's by default)"),
        username: z
          .string()
          .regex(/^[A-Z][A-Z0-9_]*$/, 'a secret named in secrets')
          .describe('secret holding the user name'),
        password: z
          .string()
          .regex(/^[A-Z][A-Z0-9_]*$/, 'a secret named in secrets')
          .describe('secret holding the password or access token'),
      })
      .strict()
      .optional()
      .describe(
        "log in to a private registry to pull the service's images: the release holds a Docker config (secrets/docker/config.json, 0400) built from these secrets, used only for those pulls",
      ),
    imagesFromInventory: z
      .record(name, z.string().min(10, 'say what image, in a sentence'))
      .default({})
      .describe(
        "compose services whose image only the user has (a private image): their compose image is a placeholder that each inventory's `images:` must map to the real one; the text says what it is",
      ),
  })
  .strict()
  // Below this line `secrets` names every secret, optional ones included.
  .transform((s) => ({ ...s, secrets: [...new Set([...s.secrets, ...s.optionalSecrets])] }));

/** What a service.ts writes. */
export type ServiceInput = z.input<typeof serviceSchema>;
/** What the schema gives: every default it can fill in. */
export type ParsedService = z.output<typeof serviceSchema>;
/** A service with every default filled in, the ones that depend on its name too: what every consumer reads. */
export type ServiceSpec = Omit<ParsedService, 'exposure' | 'gpu' | 'metrics'> & {
  exposure: (z.output<typeof exposureSchema> & { service: string }) | undefined;
  gpu: (z.output<typeof gpuSchema> & { service: string }) | undefined;
  metrics: (z.output<typeof metricsSchema> & { service: string }) | undefined;
};

// Fills the defaults that depend on the package's name: the compose service behind the proxy and the GPU.
export function normalizeService(name: string, parsed: ParsedService): ServiceSpec {
  return {
    ...parsed,
    exposure: parsed.exposure ? { ...parsed.exposure, service: parsed.exposure.service ?? name } : undefined,
    gpu: parsed.gpu ? { ...parsed.gpu, service: parsed.gpu.service ?? name } : undefined,
    metrics: parsed.metrics ? { ...parsed.metrics, service: parsed.metrics.service ?? name } : undefined,
  };
}
export type Probe = z.output<typeof probeSchema>;
export type HealthSpec = z.output<typeof healthSchema>;
export type GpuSpec = z.output<typeof gpuSchema>;
export type Exposure = z.output<typeof exposureSchema>;
export type Rollout = z.output<typeof rolloutSchema>;
export type MetricsSpec = z.output<typeof metricsSchema>;
export type SecretFile = ParsedService['secretFiles'][string];
