// The backup builders by their exact output: what is copied, restic's argv, the units, the metrics and
// the alert rules (checked by the real promtool), and the scripts (checked by sh -n).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { execa } from 'execa';
import { listServices, loadInventory, loadService, type ComposeFile, type Inventory } from '@homelab/model';
import { host, inventory, repoRoot, service } from '@homelab/model/testing';
import { dependencyOrder, drPlan } from './dr.ts';
import { dumpCommand, loadCommand } from './dumps.ts';
import { backupAlertRules, metricsFile } from './metrics.ts';
import { backupSpec, checkedTargets, targetsFor } from './plan.ts';
import { backupArgs, forgetArgs, restoreArgs } from './restic.ts';
import { intervalSeconds, maxAgeSeconds, onCalendar } from './schedule.ts';
import { backupScript, checkScript, stageScript, swapScript } from './scripts.ts';
import { installScheduleScript, scheduleFiles } from './schedule-install.ts';
import { backupUnits, checkUnits } from './units.ts';

const ocean = host('ocean', { paths: { data: '/data01', config: '/opt/appdata' } });
const inv: Inventory = {
  ...inventory([ocean, host('dns01')]),
  backup: {
    targets: [
      { name: 'data01', repository: '/data01/backups/restic', hosts: ['ocean'] },
      {
        name: 'offsite',
        repository: 'sftp:restic@node005:/srv/restic',
        sftpCommand: 'ssh -i /root/.ssh/restic -o BatchMode=yes restic@node005 -s sftp',
      },
    ],
    passwordFile: '/inventories/test/backup.vault.yaml',
    textfileDir: '/var/lib/prometheus/node-exporter',
    check: 'weekly',
  },
};

const blogCompose: ComposeFile = {
  services: {
    blog: { image: 'wordpress:6', volumes: ['${CONFIG_ROOT}/html:/var/www/html'] },
    'blog-db': { image: 'mariadb:11.4.4', volumes: ['${CONFIG_ROOT}/mariadb:/var/lib/mysql'] },
  },
  volumes: { cache: {} },
};
const blog = (backups: Record<string, unknown>) => service('blog', { backups } as never, blogCompose);

describe('what a backup copies', () => {
  it('files and named volumes as declared; a database dumped instead of its live files', () => {
    const spec = backupSpec(
      blog({ volumes: ['${CONFIG_ROOT}/html', '${CONFIG_ROOT}/mariadb', 'cache'], databases: [{ service: 'blog-db', engine: 'mariadb' }] }),
      ocean,
      inv,
    )!;
    expect(spec.sources).toEqual([
      { entry: '${CONFIG_ROOT}/html', kind: 'path', path: '/opt/appdata/blog/html' },
      { entry: 'cache', kind: 'volume', volume: 'blog_cache' },
    ]);
    expect(spec.dumped).toEqual([{ entry: '${CONFIG_ROOT}/mariadb', by: 'blog-db' }]);
    expect(spec.dumps).toEqual([{ service: 'blog-db', engine: 'mariadb', file: 'blog-db.sql' }]);
    expect(spec.tags).toEqual(['homelab', 'service:blog', 'host:ocean']);
    expect(spec.keep).toEqual({ last: 3, daily: 7, weekly: 4, monthly: 6 });
    expect(spec.targets.map((t) => t.name)).toEqual(['data01', 'offsite']);
    expect(targetsFor(inv, 'dns01').map((t) => t.name)).toEqual(['offsite']);
    // A repository shared by hosts is checked from one of them (the first by name).
    expect(checkedTargets(inv, 'ocean').map((t) => t.name)).toEqual(['data01']);
    expect(checkedTargets(inv, 'dns01').map((t) => t.name)).toEqual(['offsite']);
  });

  it("a database's live files without a dump, an unknown entry and an unknown database service are errors naming the file", () => {
    expect(() => backupSpec(blog({ volumes: ['${CONFIG_ROOT}/mariadb'] }), ocean, inv)).toThrow(
      /backups\.volumes\.0: \$\{CONFIG_ROOT\}\/mariadb holds the live files of the database blog-db \(mariadb:11\.4\.4\)[\s\S]*fix: declare it under backups\.databases: \{ service: 'blog-db'/,
    );
    expect(() => backupSpec(blog({ volumes: ['nothing'] }), ocean, inv)).toThrow(
      /"nothing" is neither a path .* nor a named volume of compose\.yaml/,
    );
    expect(() => backupSpec(blog({ volumes: ['cache'], databases: [{ service: 'db', engine: 'mariadb' }] }), ocean, inv)).toThrow(
      /backups\.databases\.0\.service: "db" is not a service of compose\.yaml\n {4}fix: one of: blog, blog-db/,
    );
  });

  it("every service of the catalog that declares backups builds, on the production inventory's hosts", async () => {
    const production = loadInventory(repoRoot, 'production');
    const built = [];
    for (const name of listServices(repoRoot)) {
      const svc = await loadService(repoRoot, name);
      const h = production.hosts[svc.spec.host];
      if (!svc.spec.backups || !h) continue;
      built.push(backupSpec(svc, h, production)!);
    }
    expect(built.length).toBeGreaterThanOrEqual(20);
    const by = Object.fromEntries(built.map((s) => [s.service, s]));
    expect(by.nextcloud!.dumps.map((d) => `${d.service}:${d.engine}`)).toEqual(['nextcloud-db:mariadb', 'nextcloud-redis:redis']);
    expect(by.grafana!.dumps.map((d) => d.engine)).toEqual(['mysql']);
    expect(by.wordpress!.dumped).toEqual([{ entry: '${CONFIG_ROOT}/mariadb', by: 'wordpress-db' }]);
    expect(built.filter((s) => s.stop).map((s) => s.service)).toEqual(['home-assistant', 'libation', 'plex']);
    expect(by.plex!.targets.map((t) => t.name)).toEqual(['data01', 'offsite']);
    for (const s of built) expect(s.targets.length, s.service).toBeGreaterThan(0);
  });
});

describe('restic, exactly', () => {
  const spec = backupSpec(blog({ volumes: ['${CONFIG_ROOT}/html'], keep: { daily: 3 } }), ocean, inv)!;
  const [data01, offsite] = inv.backup.targets as [never, never];
  it('backup, forget and restore argv; sftp through the configured ssh command', () => {
    expect(backupArgs(spec, data01)).toEqual([
      'restic',
      '-r',
      '/data01/backups/restic',
      'backup',
      '--json',
      '--quiet',
      '--host',
      'ocean',
      '--tag',
      'homelab',
      '--tag',
      'service:blog',
      '--tag',
      'host:ocean',
    ]);
    expect(forgetArgs(spec, offsite).join(' ')).toBe(
      'restic -r sftp:restic@node005:/srv/restic -o sftp.command=ssh -i /root/.ssh/restic -o BatchMode=yes restic@node005 -s sftp forget --json --host ocean --tag service:blog --group-by host,tags --keep-last 3 --keep-daily 3 --keep-weekly 4 --keep-monthly 6',
    );
    expect(restoreArgs(data01, 'latest', '/stage', 'ocean', 'blog')).toEqual([
      'restic',
      '-r',
      '/data01/backups/restic',
      'restore',
      'latest',
      '--target',
      '/stage',
      '--host',
      'ocean',
      '--tag',
      'service:blog',
    ]);
    expect(restoreArgs(data01, '1a2b3c4d', '/stage', 'ocean', 'blog').slice(3)).toEqual(['restore', '1a2b3c4d', '--target', '/stage']);
  });

  it('dumps read the password from the container, never from a command line', () => {
    expect(dumpCommand('mariadb')).toEqual([
      'sh',
      '-c',
      'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb-dump -u root --single-transaction --routines --events --add-drop-database --databases "$MARIADB_DATABASE"',
    ]);
    expect(dumpCommand('mysql')[2]).toMatch(/^MYSQL_PWD="\$MYSQL_ROOT_PASSWORD" exec mysqldump -u root --single-transaction /);
    expect(dumpCommand('redis')[2]).toMatch(/exec redis-cli --rdb -$/);
    expect(dumpCommand('postgres')[2]).toMatch(
      /export PGPASSWORD="\$POSTGRES_PASSWORD"; exec pg_dump -U "\$u" --clean --if-exists --no-owner "\$d"$/,
    );
    expect(loadCommand('postgres')[2]).toMatch(/exec psql -q -v ON_ERROR_STOP=1 -U "\$u" -d "\$d"$/);
  });

  it("PostgreSQL's user, database and password come from the container's environment as the official image takes them", async () => {
    const [, , script] = dumpCommand('postgres');
    const run = (env: Record<string, string>) =>
      execa('sh', ['-c', script!.replace(/exec pg_dump .*$/, 'echo "$u|$d|${PGPASSWORD:-}"')], { env, extendEnv: false });
    expect((await run({})).stdout).toBe('postgres|postgres|');
    expect((await run({ POSTGRES_USER: 'payload', POSTGRES_DB: 'cms', POSTGRES_PASSWORD: 'pw' })).stdout).toBe('payload|cms|pw');
    const dir = mkdtempSync(join(tmpdir(), 'homelab-pg-'));
    writeFileSync(join(dir, 'pw'), 'from-file');
    expect((await run({ POSTGRES_USER: 'payload', POSTGRES_PASSWORD_FILE: join(dir, 'pw') })).stdout).toBe('payload|payload|from-file');
    rmSync(dir, { recursive: true, force: true });
  });

  it('every script is valid sh; the password comes from stdin into a private file, or from the host file', () => {
    const full = backupSpec(
      blog({
        volumes: ['${CONFIG_ROOT}/html', '${CONFIG_ROOT}/mariadb', 'cache'],
        databases: [{ service: 'blog-db', engine: 'mariadb' }],
        stop: 'the application says so, for this test',
      }),
      ocean,
      inv,
    )!;
    const scripts = [
      backupScript(full, { stdinBytes: 12 }, '/var/lib/prometheus/node-exporter', 90_000),
      backupScript(full, { file: '/opt/homelab/.backup/restic-password' }, '/tx', 90_000),
      checkScript(inv.backup.targets, { stdinBytes: 12 }, '5%'),
      stageScript(data01, { stdinBytes: 12 }, 'latest', '/opt/homelab/blog/backup/restore', 'ocean', 'blog', true),
      swapScript(full, '/opt/homelab/blog/backup/restore'),
    ];
    for (const s of scripts) execFileSync('sh', ['-n'], { input: s });
    const [interactive, timer] = scripts as [string, string];
    expect(interactive).toContain('pwf=$(mktemp) || exit 1\nhead -c 12 > "$pwf"');
    expect(interactive).toContain('export RESTIC_PASSWORD_FILE="$pwf"');
    expect(timer).toContain('export RESTIC_PASSWORD_FILE=/opt/homelab/.backup/restic-password');
    // The order: open the targets, dump, stop, copy, start, retention, metrics.
    const order = [
      'cat config',
      'mariadb-dump',
      'docker compose stop',
      ' backup --json',
      'docker compose start >&2',
      ' forget ',
      'homelab_backup_last_success',
    ];
    const at = order.map((w) => interactive.indexOf(w));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(interactive).toContain(`v1=$(docker volume inspect -f '{{.Mountpoint}}' blog_cache) || exit 5`);
    expect(interactive).toContain('"$v0" "$v1" /opt/homelab/blog/backup/dumps 2>"$err")');
    expect(interactive).toContain(`case "$f" in *'"remove":[{'*) locked restic -r /data01/backups/restic prune --quiet >&2 2>"$err"`);
    // restic commands wait (10 s at a time, 5 minutes at most) while another host's prune or check holds the repository.
    expect(interactive).toContain('s0=$(locked restic -r /data01/backups/restic backup --json');
  });
});

describe('schedules, units and metrics', () => {
  it('named schedules at 03:00, expressions as written; the allowed age is two intervals and an hour', () => {
    expect(onCalendar('daily')).toBe('*-*-* 03:00:00');
    expect(onCalendar('*-*-* 04:30')).toBe('*-*-* 04:30');
    expect([intervalSeconds('hourly'), intervalSeconds('weekly'), intervalSeconds('*-*-* *:15')]).toEqual([3600, 604_800, 3600]);
    expect(maxAgeSeconds('daily')).toBe(176_400);
  });

  it('a oneshot service and a persistent timer per service; the weekly check', () => {
    const spec = backupSpec(blog({ volumes: ['${CONFIG_ROOT}/html'] }), ocean, inv)!;
    const units = backupUnits(spec, '/opt/homelab');
    expect(Object.keys(units)).toEqual(['homelab-backup-blog.service', 'homelab-backup-blog.timer']);
    expect(units['homelab-backup-blog.service']).toContain(
      'Type=oneshot\nExecStart=/bin/sh /opt/homelab/.backup/backup-blog.sh\nNice=10\nIOSchedulingClass=idle',
    );
    expect(units['homelab-backup-blog.timer']).toBe(
      '[Unit]\nDescription=homelab backup of blog, daily\n\n[Timer]\nOnCalendar=*-*-* 03:00:00\nPersistent=true\nRandomizedDelaySec=15min\n\n[Install]\nWantedBy=timers.target\n',
    );
    expect(checkUnits('/opt/homelab', 'weekly')['homelab-backup-check.timer']).toContain('OnCalendar=Sun *-*-* 03:00:00');
    expect(metricsFile('/tx', 'ocean', 'blog')).toBe('/tx/homelab_backup_ocean_blog.prom');
  });

  it("a host's timers: the 0600 password file, the scripts reading it, the units; written from stdin, enabled where systemd runs", () => {
    const spec = backupSpec(blog({ volumes: ['${CONFIG_ROOT}/html'] }), ocean, inv)!;
    const { files, timers } = scheduleFiles([spec], ocean, inv, 's3cret pw');
    expect(files.map((f) => `${f.mode} ${f.path}`)).toEqual([
      '600 /opt/homelab/.backup/restic-password',
      '700 /opt/homelab/.backup/backup-blog.sh',
      '644 /opt/homelab/.backup/units/homelab-backup-blog.service',
      '644 /opt/homelab/.backup/units/homelab-backup-blog.timer',
      '700 /opt/homelab/.backup/check.sh',
      '644 /opt/homelab/.backup/units/homelab-backup-check.service',
      '644 /opt/homelab/.backup/units/homelab-backup-check.timer',
    ]);
    expect(files[1]!.content).toContain('export RESTIC_PASSWORD_FILE=/opt/homelab/.backup/restic-password');
    expect(timers).toEqual(['homelab-backup-blog.timer', 'homelab-backup-check.timer']);
    const script = installScheduleScript(files, timers);
    execFileSync('sh', ['-n'], { input: script });
    expect(script).not.toContain('s3cret');
    expect(script).toContain('head -c 9 > /opt/homelab/.backup/restic-password.tmp\n');
    expect(script).toContain('systemctl enable --now homelab-backup-blog.timer homelab-backup-check.timer');
  });

  it('the alert rules are what promtool accepts, one pair per service with backups', () => {
    const rules = backupAlertRules([
      blog({ volumes: ['${CONFIG_ROOT}/html'], schedule: 'hourly' }),
      service('plain'),
      service('a-first', { backups: { volumes: ['/srv/a'] } } as never),
    ]);
    expect(rules[0]!.rules.map((r) => `${r.alert} ${r.labels.service}`)).toEqual([
      'BackupTooOld a-first',
      'BackupMissing a-first',
      'BackupTooOld blog',
      'BackupMissing blog',
    ]);
    expect(rules[0]!.rules[2]!.expr).toBe('time() - homelab_backup_last_success_timestamp_seconds{service="blog"} > 10800');
    const dir = mkdtempSync(join(tmpdir(), 'backup-rules-'));
    writeFileSync(join(dir, 'backups.rules.yml'), stringify({ groups: rules }));
    expect(execFileSync('promtool', ['check', 'rules', join(dir, 'backups.rules.yml')], { encoding: 'utf8' })).toMatch(
      /SUCCESS: 4 rules found/,
    );
  });
});

describe('disaster recovery plan', () => {
  it('bootstrap, targets, then deploy and restore in dependency order, then verify', () => {
    const a = service('app', { dependsOn: ['db'], backups: { volumes: ['/srv/app'] } } as never);
    const db = service('db', { backups: { volumes: ['/srv/db'] } } as never);
    const other = service('elsewhere', { host: 'dns01' });
    expect(dependencyOrder([a, db]).map((s) => s.name)).toEqual(['db', 'app']);
    const steps = drPlan(ocean, [a, db, other], inv);
    expect(steps.map((s) => `${s.kind} ${s.service ?? ''}`.trim())).toEqual([
      'bootstrap',
      'targets',
      'deploy db',
      'restore db',
      'deploy app',
      'restore app',
      'verify',
    ]);
    expect(steps[3]!.command).toBe('homelab restore db -i test');
    expect(() => dependencyOrder([service('x', { dependsOn: ['y'] }), service('y', { dependsOn: ['x'] })])).toThrow(
      /a dependency cycle: x -> y -> x/,
    );
  });
});
