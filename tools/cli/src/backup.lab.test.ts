// Backups and restores on the real lab with real restic: a Prometheus (points), a MariaDB-backed
// service (rows, dumped inside its container) and a bind-mounted one (files), backed up to a local
// repository and an SFTP one on the other lab host; the containers and the data destroyed and brought
// back by `homelab dr restore ocean`; an older snapshot restored by id; a wrong password and an
// unreachable target refused with clear errors and nothing changed. Its own deploy roots, data
// folders, ports and repositories: the lab's own services are not touched.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labWorkspace, type LabWorkspace } from '@homelab/lab/testing';
import { databaseLoginProbe } from '@homelab/model';
import { oceanPaths, writeFilesService, writePackage } from './testing/backup-lab.ts';

let ws: LabWorkspace;
let p: string;
let root: string; // the test's folder on the lab hosts (its deploy roots are below it)
const ports = { prom: 19390, files: 19391 };
const data = () => `${root}/data`;
const config = () => `${root}/appdata`;

function inventoryYaml(offsitePort = 22): string {
  const ocean = ws.inventory.hosts.ocean!;
  const ssh = `ip netns exec lab-dns01 ssh -i ${ocean.ssh.identityFile} -o UserKnownHostsFile=${ocean.ssh.knownHosts} -o BatchMode=yes -o ConnectTimeout=5 -p ${offsitePort} root@10.231.1.2 -s sftp`;
  return [
    'name: lab',
    `knownHosts: ${ocean.ssh.knownHosts}`,
    'generateMissingSecrets: true',
    `generatedSecretsDir: ${ws.root}/.lab/secrets`,
    'defaults:',
    '  ssh:',
    `    identityFile: ${ocean.ssh.identityFile}`,
    '  logDriver: local',
    'images:',
    '  prom/prometheus:v2.55.1: lab/prometheus:2.42.0',
    '  mariadb:11.4.4: lab/mariadb:10.11.19-2',
    'backup:',
    `  textfileDir: ${root}/metrics`,
    '  targets:',
    '    - name: local',
    `      repository: ${root}/restic`,
    // Another lab host over SSH: the lab's namespaces do not route to each other, so the ssh that
    // restic starts enters dns01's network namespace to reach its sshd.
    '    - name: offsite',
    `      repository: sftp:root@10.231.1.2:/var/lib/lab/dns01/${p}-restic`,
    `      sftpCommand: ${ssh}`,
    '',
  ].join('\n');
}

const names = () => ({ prom: `${p}-prom`, db: `${p}-db`, files: `${p}-files` });

function writeServices(): void {
  const n = names();
  writePackage(
    ws,
    n.prom,
    {
      health: { probes: [{ type: 'http', port: ports.prom, path: '/-/ready' }], timeoutSeconds: 90, intervalSeconds: 0.5 },
      backups: { volumes: ['${DATA_ROOT}/prom'] },
    },
    [
      'services:',
      '  prometheus:',
      '    image: prom/prometheus:v2.55.1',
      '    command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]',
      `    ports: ["${ports.prom}:9090"]`,
      '    volumes: ["./files/prometheus.yml:/etc/prometheus/prometheus.yml:ro", "${DATA_ROOT}/prom:/prometheus"]',
      '    user: "${PUID}:${PGID}"',
      '    healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:9090/-/healthy"], interval: 2s, retries: 30 }',
      '',
    ].join('\n'),
    {
      'prometheus.yml':
        'global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: self\n    static_configs: [{ targets: ["127.0.0.1:9090"] }]\n',
    },
  );
  writePackage(
    ws,
    n.db,
    {
      secrets: ['DB_PASSWORD', 'DB_ROOT_PASSWORD'],
      health: {
        probes: [{ type: 'container', service: 'db' }, databaseLoginProbe('db', 'app', 'mariadb')],
        timeoutSeconds: 120,
        intervalSeconds: 0.5,
      },
      backups: { volumes: ['${CONFIG_ROOT}/mariadb'], databases: [{ service: 'db', engine: 'mariadb' }] },
    },
    [
      'services:',
      '  db:',
      '    image: mariadb:11.4.4',
      '    environment: { MARIADB_DATABASE: app, MARIADB_USER: app, MARIADB_PASSWORD: "${DB_PASSWORD}", MARIADB_ROOT_PASSWORD: "${DB_ROOT_PASSWORD}" }',
      '    volumes: ["${CONFIG_ROOT}/mariadb:/var/lib/mysql"]',
      '    healthcheck: { test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"], interval: 2s, retries: 60 }',
      '',
    ].join('\n'),
  );
  writeFilesService(ws, n.files, ports.files, 'files', 'the lab test stops it for the copy, as Plex and Home Assistant are');
}

const cli = async (args: string[]) => {
  const r = await ws.cli(args);
  return { code: r.exitCode, out: r.all, stdout: r.stdout };
};

// Rows of the database: count and a checksum of every row.
const sql = (statement: string) =>
  ws.docker('ocean', [
    'exec',
    '-i',
    `${names().db}-db-1`,
    'sh',
    '-c',
    `MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb -u root -N -B app -e "${statement}"`,
  ]);
const values = (from: number, to: number) =>
  Array.from(
    { length: to - from + 1 },
    (_, i) =>
      `(${from + i}, '${createHash('md5')
        .update(String(from + i))
        .digest('hex')}')`,
  ).join(', ');
const rows = () => sql('SELECT COUNT(*), SUM(CRC32(CONCAT(id, v))) FROM t');

// The files: name -> sha256.
function fileHashes(): Record<string, string> {
  const dir = `${data()}/files`;
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );
}

// Prometheus's own `up` samples up to `at` (unix seconds), as it answers them.
async function points(at: number): Promise<Array<[number, string]>> {
  const url = `http://10.231.0.2:${ports.prom}/api/v1/query?query=${encodeURIComponent('up{job="self"}[10m]')}&time=${at}`;
  const body = (await (await fetch(url)).json()) as { data: { result: Array<{ values: Array<[number, string]> }> } };
  return body.data.result[0]?.values ?? [];
}

const history = async (service: string) => (await cli(['history', service, '--json'])).stdout;
const snapshotOf = (out: string, service: string, target: string) => {
  const json = JSON.parse(out) as { results: Array<{ service: string; targets: Array<{ target: string; snapshot: string }> }> };
  return json.results.find((r) => r.service === service)!.targets.find((t) => t.target === target)!.snapshot;
};

beforeAll(async () => {
  ws = await labWorkspace();
  p = ws.prefix;
  root = ws.inventory.hosts.ocean!.deployRoot;
  mkdirSync(root, { recursive: true });
  writeFileSync(join(ws.root, 'inventories/lab/inventory.yaml'), inventoryYaml());
  oceanPaths(ws, root);
  writeServices();
}, 300_000);

afterAll(async () => {
  await ws?.cleanup();
  rmSync(`/var/lib/lab/dns01/${p}-restic`, { recursive: true, force: true });
});

describe('backups and disaster recovery on the lab, with real restic', () => {
  it('backs up, loses the containers and the data, and `homelab dr restore ocean` brings every service back with its data; an older snapshot comes back by id', async () => {
    const n = names();
    const deployed = await cli(['deploy', n.prom, n.db, n.files]);
    expect(deployed.code, deployed.out).toBe(0);

    // State A: rows, files and points.
    await sql(`CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64)); INSERT INTO t VALUES ${values(1, 500)}`);
    mkdirSync(`${data()}/files`, { recursive: true });
    writeFileSync(`${data()}/files/a.bin`, randomBytes(1 << 20));
    writeFileSync(`${data()}/files/b.txt`, 'first version\n');
    const rowsA = await rows();
    const hashesA = fileHashes();
    expect(rowsA).toMatch(/^500\t\d+$/);
    let pointsAt = 0;
    let pointsA: Array<[number, string]> = [];
    for (let i = 0; i < 60 && pointsA.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      pointsAt = Math.floor(Date.now() / 1000) - 1;
      pointsA = await points(pointsAt);
    }
    expect(pointsA.length).toBeGreaterThanOrEqual(5);

    const startedAt = () => ws.docker('ocean', ['inspect', '-f', '{{.State.StartedAt}}', `${n.files}-web-1`]);
    const beforeBackup = await startedAt();
    const first = await cli(['backup', 'run', n.prom, n.db, n.files, '--json']);
    expect(first.code, first.out).toBe(0);
    // The files service was stopped for its copy and started again.
    expect(first.out).toMatch(new RegExp(`${n.files}: stopping ${n.files} for a consistent copy`));
    expect(await startedAt()).not.toBe(beforeBackup);
    expect(await ws.docker('ocean', ['inspect', '-f', '{{.State.Running}}', `${n.files}-web-1`])).toBe('true');
    const snapA = { db: snapshotOf(first.stdout, n.db, 'local'), files: snapshotOf(first.stdout, n.files, 'offsite') };
    const metrics = readFileSync(`${root}/metrics/homelab_backup_ocean_${n.db}.prom`, 'utf8');
    expect(metrics).toMatch(
      new RegExp(`homelab_backup_last_success_timestamp_seconds\\{service="${n.db}",host="ocean",target="offsite"\\} \\d+`),
    );

    // State B, backed up again: the newest snapshots.
    await sql(`INSERT INTO t VALUES ${values(501, 800)}; DELETE FROM t WHERE id <= 10`);
    writeFileSync(`${data()}/files/b.txt`, 'second version\n');
    writeFileSync(`${data()}/files/c.bin`, randomBytes(1 << 19));
    const rowsB = await rows();
    const hashesB = fileHashes();
    expect(rowsB).toMatch(/^790\t/);
    const second = await cli(['backup', 'run', '--json']);
    expect(second.code, second.out).toBe(0);
    const listed = await cli(['backup', 'list', n.files, '--json']);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(4); // 2 snapshots x 2 targets

    // Disaster: every container of the three gone, and ocean's data and config folders wiped.
    for (const name of Object.values(n)) {
      const ids = (await ws.docker('ocean', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]))
        .split('\n')
        .filter(Boolean);
      await ws.docker('ocean', ['rm', '-f', ...ids]);
    }
    rmSync(data(), { recursive: true, force: true });
    rmSync(config(), { recursive: true, force: true });
    expect(fileHashes()).toEqual({});

    const dr = await cli(['dr', 'restore', 'ocean']);
    expect(dr.code, dr.out).toBe(0);
    expect(dr.out).toMatch(new RegExp(`${n.db}\\s+ocean\\s+restored`));
    expect(await rows()).toBe(rowsB);
    expect(fileHashes()).toEqual(hashesB);
    expect(await points(pointsAt)).toEqual(pointsA);
    for (const name of Object.values(n)) expect(await history(name)).toMatch(/"action": "restore",\s+"result": "deployed"/);

    // The older snapshot, by id: the rows and files of state A (files from the SFTP repository).
    const older = await cli(['restore', n.db, '--snapshot', snapA.db]);
    expect(older.code, older.out).toBe(0);
    expect(await rows()).toBe(rowsA);
    const offsite = await cli(['restore', n.files, '--snapshot', snapA.files, '--from', 'offsite']);
    expect(offsite.code, offsite.out).toBe(0);
    expect(fileHashes()).toEqual(hashesA);
  }, 600_000);

  it('a wrong password and an unreachable target are clear errors, and change nothing', async () => {
    const n = names();
    const store = join(ws.root, '.lab/secrets/backup.json');
    const right = readFileSync(store, 'utf8');
    const before = {
      files: fileHashes(),
      history: await history(n.files),
      snapshots: (await cli(['backup', 'list', n.files, '--json'])).stdout,
    };
    const running = async () =>
      ws.docker('ocean', ['ps', '-q', '--filter', `label=com.docker.compose.project=${n.files}`, '--filter', 'status=running']);
    const unchanged = async () => {
      expect(fileHashes()).toEqual(before.files);
      expect(await history(n.files)).toBe(before.history);
      expect(await running()).not.toBe('');
    };

    writeFileSync(store, JSON.stringify({ RESTIC_PASSWORD: 'not-the-password' }));
    try {
      const backup = await cli(['backup', 'run', n.files]);
      expect(backup.code).toBe(1);
      expect(backup.out).toMatch(
        /Fatal: wrong password or no key found[\s\S]*fix: the restic password \(RESTIC_PASSWORD in .*backup\.vault\.yaml\) does not open this repository/,
      );
      const restore = await cli(['restore', n.files]);
      expect(restore.code).toBe(1);
      expect(restore.out).toMatch(/wrong password or no key found/);
      await unchanged();
    } finally {
      writeFileSync(store, right);
    }

    writeFileSync(join(ws.root, 'inventories/lab/inventory.yaml'), inventoryYaml(2));
    try {
      const backup = await cli(['backup', 'run', n.files]);
      expect(backup.code).toBe(1);
      expect(backup.out).toMatch(
        /target offsite: sftp:root@10\.231\.1\.2:[\s\S]*fix: the repository sftp:\S+ cannot be reached from the host/,
      );
      const restore = await cli(['restore', n.files, '--from', 'offsite']);
      expect(restore.code).toBe(1);
      expect(restore.out).toMatch(/cannot be reached from the host/);
      await unchanged();
    } finally {
      writeFileSync(join(ws.root, 'inventories/lab/inventory.yaml'), inventoryYaml());
    }
    // Nothing was added to the repositories either.
    expect((await cli(['backup', 'list', n.files, '--json'])).stdout).toBe(before.snapshots);
  }, 300_000);

  it("the timers' script runs unattended, with the host's own 0600 password file", async () => {
    const n = names();
    const count = async () => (JSON.parse((await cli(['backup', 'list', n.files, '--json'])).stdout) as unknown[]).length;
    const before = await count();
    const scheduled = await cli(['backup', 'schedule', 'ocean']);
    expect(scheduled.code, scheduled.out).toBe(0);
    expect(scheduled.out).toMatch(/ocean: no systemd runs there: the scripts and units are written under/);
    expect(statSync(`${root}/.backup/restic-password`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${root}/.backup/units/homelab-backup-${n.files}.timer`, 'utf8')).toContain('OnCalendar=*-*-* 03:00:00');
    // What the timer's service runs (the lab hosts share this machine's file system; Docker is the lab host's).
    const run = await execa('sh', [`${root}/.backup/backup-${n.files}.sh`], {
      env: { DOCKER_HOST: ws.inventory.hosts.ocean!.dockerHost! },
      reject: false,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await count()).toBe(before + 2);
  });
});
