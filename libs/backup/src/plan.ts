// Pure: what a service's backup copies, from its `backups:` and its compose file, on its host.
import { ConfigError, type BackupTarget, type ConfigIssue, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import { hostValues } from '@homelab/render';

export type Engine = 'mariadb' | 'mysql' | 'postgres' | 'redis';

/** One thing copied as files: a path on the host, or a named volume (its mountpoint is read at run time). */
export type BackupSource = { entry: string; kind: 'path'; path: string } | { entry: string; kind: 'volume'; volume: string };

/** A database dumped inside its container into the dump folder. */
export interface DatabaseDump {
  service: string;
  engine: Engine;
  /** File name in the dump folder. */
  file: string;
}

export interface BackupSpec {
  service: string;
  host: string;
  sources: BackupSource[];
  /** Declared data left out of the file copy because its database is dumped instead. */
  dumped: Array<{ entry: string; by: string }>;
  dumps: DatabaseDump[];
  /** Why the service is stopped for the copy; undefined: copied while it runs. */
  stop: string | undefined;
  schedule: string;
  keep: { last: number; daily: number; weekly: number; monthly: number };
  tags: string[];
  /** The current release's folder (docker compose runs there). */
  composeDir: string;
  /** Where dumps and the sources manifest are written for the snapshot (0700, removed afterwards). */
  dumpDir: string;
  targets: BackupTarget[];
}

const databaseImage = /(^|\/)(mariadb|mysql|postgres|redis|mongo|valkey)(:|@|$)/;

// Replaces ${DATA_ROOT}, ${CONFIG_ROOT}... with the host's values.
function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => vars[name] ?? all);
}

// The sources of a compose service's volumes (bind paths and named volumes), host variables filled in.
export function mountSources(svc: LoadedService, composeService: string, vars: Record<string, string>): string[] {
  const volumes = (svc.compose.services[composeService] as { volumes?: unknown[] } | undefined)?.volumes ?? [];
  return volumes.flatMap((v) => {
    if (typeof v === 'string') return v.includes(':') ? [substitute(v.split(':')[0]!, vars)] : [];
    const source = (v as { source?: string }).source;
    return source ? [substitute(source, vars)] : [];
  });
}

// The Docker name of a named volume of the service's compose project.
export function volumeName(svc: LoadedService, volume: string): string {
  const declared = svc.compose.volumes?.[volume] as { name?: string } | null | undefined;
  return declared?.name ?? `${svc.compose.name ?? svc.name}_${volume}`;
}

export const tagsOf = (service: string, host: string) => ['homelab', `service:${service}`, `host:${host}`];

// The targets a host backs up to.
export function targetsFor(inventory: Inventory, host: string): BackupTarget[] {
  return inventory.backup.targets.filter((t) => !t.hosts || t.hosts.includes(host));
}

// The targets this host checks: each repository is checked from one host only (the first, by name, of
// the Docker hosts that back up to it), since `restic check` locks it for every other.
export function checkedTargets(inventory: Inventory, host: string): BackupTarget[] {
  const users = (t: BackupTarget) =>
    Object.values(inventory.hosts)
      .filter((h) => h.docker && (!t.hosts || t.hosts.includes(h.name)))
      .map((h) => h.name)
      .sort();
  return targetsFor(inventory, host).filter((t) => users(t)[0] === host);
}

export const backupPaths = (deployRoot: string, service: string) => ({
  composeDir: `${deployRoot}/${service}/current`,
  dumpDir: `${deployRoot}/${service}/backup/dumps`,
  stageDir: `${deployRoot}/${service}/backup/restore`,
});

// Builds what a service's backup copies; a declared path that is a database's live files and not
// dumped, or one that is neither a path nor a named volume, is a configuration error naming the file.
export function backupSpec(svc: LoadedService, host: HostSpec, inventory: Inventory): BackupSpec | undefined {
  const declared = svc.spec.backups;
  if (!declared) return undefined;
  const vars = hostValues(svc.name, host);
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string, hint: string) => issues.push({ file: svc.files.service, path, message, hint });
  const dumpedBy = new Map<string, string>();
  for (const [i, db] of declared.databases.entries()) {
    if (!svc.compose.services[db.service]) {
      issue(
        `backups.databases.${i}.service`,
        `"${db.service}" is not a service of compose.yaml`,
        `one of: ${Object.keys(svc.compose.services).join(', ')}`,
      );
      continue;
    }
    for (const source of mountSources(svc, db.service, vars)) dumpedBy.set(source, db.service);
  }
  const sources: BackupSource[] = [];
  const dumped: BackupSpec['dumped'] = [];
  for (const [i, entry] of declared.volumes.entries()) {
    const value = substitute(entry, vars);
    const by = dumpedBy.get(value);
    if (by) {
      dumped.push({ entry, by });
      continue;
    }
    const live = Object.entries(svc.compose.services).find(
      ([name, def]) => databaseImage.test(def.image) && mountSources(svc, name, vars).includes(value),
    );
    if (live)
      issue(
        `backups.volumes.${i}`,
        `${entry} holds the live files of the database ${live[0]} (${live[1].image}): a copy of them taken while it runs is not consistent`,
        `declare it under backups.databases: { service: '${live[0]}', engine: 'mariadb' | 'mysql' | 'postgres' | 'redis' } so it is dumped inside its container`,
      );
    else if (value.startsWith('/')) sources.push({ entry, kind: 'path', path: value.replace(/\/+$/, '') });
    else if (svc.compose.volumes && value in svc.compose.volumes) sources.push({ entry, kind: 'volume', volume: volumeName(svc, value) });
    else
      issue(
        `backups.volumes.${i}`,
        `"${entry}" is neither a path (\${CONFIG_ROOT}/..., \${DATA_ROOT}/..., /abs) nor a named volume of compose.yaml`,
        'name a path the compose file mounts, or a volume under its top-level volumes:',
      );
  }
  if (issues.length) throw new ConfigError(issues);
  const paths = backupPaths(host.deployRoot, svc.name);
  return {
    service: svc.name,
    host: host.name,
    sources,
    dumped,
    dumps: declared.databases.map((d) => ({
      service: d.service,
      engine: d.engine,
      file: `${d.service}.${d.engine === 'redis' ? 'rdb' : 'sql'}`,
    })),
    stop: declared.stop,
    schedule: declared.schedule,
    keep: declared.keep,
    tags: tagsOf(svc.name, host.name),
    composeDir: paths.composeDir,
    dumpDir: paths.dumpDir,
    targets: targetsFor(inventory, host.name),
  };
}
