// "Done when" of the catalog-driven edge and monitoring: a public service added with the generator and a
// domain, and no other edit, gets a vhost with TLS, a tunnel route, an Access application in the plan,
// a DNS name, scrape and probe jobs, a dashboard row and alerts; `homelab affected` names exactly the
// releases that carry them. On a throw-away clone of this repository; nothing is contacted (the Access
// plan is made against an account given as data).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAccessPlan, planAccess, wantedApps } from '@homelab/edge';
import { LocalExecutor } from '@homelab/host';
import { catalogOf, type LoadedService } from '@homelab/model';
import { throwawayRepo, type ThrowawayRepo } from '@homelab/nx-plugin/testing';
import { validateService } from '@homelab/validate';
import { affectedBetween, type AffectedResult } from './affected/affected.ts';
import { loadWorkspace, type Workspace } from './workspace.ts';

let repo: ThrowawayRepo;
let affected: AffectedResult;
let ws: Workspace;
const scratch = mkdtempSync(join(tmpdir(), 'homelab-catalog-'));
const svc = (name: string): LoadedService => ws.services.find((s) => s.name === name)!;
const file = (service: string, path: string): string => svc(service).configFiles[path] ?? `(no ${path} in ${service})`;

beforeAll(async () => {
  repo = await throwawayRepo();
  const g = await repo.nx(
    'g',
    '@homelab/nx-plugin:service',
    'uptime-kuma',
    '--image=louislam/uptime-kuma:1.23.16',
    '--port=3001',
    '--domain=status.terrac.com',
    '--healthPath=/api/health',
    '--metricsPath=/metrics',
    '--description=Uptime Kuma: uptime monitoring',
    '--no-interactive',
  );
  if (g.exitCode !== 0) throw new Error(String(g.all));
  await repo.commitAll('add uptime-kuma with the generator');
  affected = await affectedBetween(repo.root, 'HEAD~1', 'HEAD', 'production');
  ({ workspace: ws } = await loadWorkspace('production', repo.root));
}, 240_000);
afterAll(() => {
  rmSync(repo.root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('a public service added with the generator and nothing else', () => {
  it('homelab affected: the new service and exactly the releases generated from the catalog that now hold it', () => {
    expect(affected.broken).toEqual([]);
    expect(affected.affected.map((a) => a.service)).toEqual([
      'acme',
      'bind9',
      'blackbox-exporter',
      'cloudflared',
      'grafana',
      'nginx',
      'pihole',
      'prometheus',
      'uptime-kuma',
    ]);
    expect(affected.affected.find((a) => a.service === 'nginx')!.reasons).toEqual([
      'compose.yaml changed',
      'files/conf.d/uptime-kuma.conf added',
      'files/tls.d/status.terrac.com.conf added',
    ]);
  });

  it('a vhost with TLS for its domain, and <name>.home on the LAN; a certificate requested for the domain', () => {
    const vhost = file('nginx', 'conf.d/uptime-kuma.conf');
    expect(vhost).toContain('server_name uptime-kuma.home;');
    expect(vhost).toContain('  server_name status.terrac.com;\n  return 301 https://$host$request_uri;');
    expect(vhost).toContain('set $upstream http://uptime-kuma:3001;');
    const tls = file('nginx', 'tls.d/status.terrac.com.conf');
    expect(tls).toContain(
      '  listen 443 ssl;\n  server_name status.terrac.com;\n  ssl_certificate /etc/nginx/certs/live/status.terrac.com/fullchain.pem;',
    );
    expect(tls).toContain('set $upstream http://uptime-kuma:3001;');
    expect(file('acme', 'domains.txt').split('\n')).toContain('status.terrac.com');
  });

  it('a tunnel route and an Access application in the plan', () => {
    const ingress = (parse(file('cloudflared', 'config.yml')) as { ingress: Array<Record<string, unknown>> }).ingress;
    expect(ingress).toContainEqual({
      hostname: 'status.terrac.com',
      service: 'https://nginx:443',
      originRequest: { originServerName: 'status.terrac.com' },
    });
    expect(ingress.at(-1)).toEqual({ service: 'http_status:404' });
    const account = [
      { id: 'p1', name: 'admin', decision: 'allow' },
      { id: 'p2', name: 'plex-users', decision: 'allow' },
      { id: 'p3', name: 'public', decision: 'bypass' },
    ];
    const plan = formatAccessPlan(planAccess(wantedApps(catalogOf(ws.services, ws.inventory)), [], account));
    expect(plan).toContain('+ application status.terrac.com (uptime-kuma) policy admin');
  });

  it('a DNS name in the zone and in Pi-hole, at the address of the proxy', () => {
    expect(file('bind9', 'db.home')).toMatch(/^uptime-kuma +IN A 192\.168\.1\.143$/m);
    expect(file('pihole', '03-home-records.conf').split('\n')).toContain('host-record=uptime-kuma.home,192.168.1.143');
  });

  it('a scrape job, and blackbox probes of its health endpoint and of its certificate', () => {
    const config = parse(file('prometheus', 'prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> }>;
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'uptime-kuma');
    expect(job?.static_configs).toEqual([{ targets: ['192.168.1.143:3001'], labels: { service: 'uptime-kuma', host: 'ocean' } }]);
    const probes = config.scrape_configs
      .find((j) => j.job_name === 'blackbox')!
      .static_configs.filter((s) => s.labels.service === 'uptime-kuma');
    expect(probes).toEqual([
      { targets: ['http://192.168.1.143:3001/api/health'], labels: { service: 'uptime-kuma', host: 'ocean', module: 'uptime-kuma_0' } },
      { targets: ['https://192.168.1.143:443/'], labels: { service: 'uptime-kuma', host: 'ocean', module: 'uptime-kuma_tls' } },
    ]);
    const modules = (parse(file('blackbox-exporter', 'blackbox.yml')) as { modules: Record<string, { http: Record<string, unknown> }> })
      .modules;
    expect(modules['uptime-kuma_0']!.http.valid_status_codes).toEqual([200]);
    expect(modules['uptime-kuma_tls']!.http.tls_config).toEqual({ server_name: 'status.terrac.com' });
  });

  it('a row of the services dashboard', () => {
    const dashboard = JSON.parse(file('grafana', 'dashboards/services.json')) as {
      panels: Array<{ title: string; type: string; panels: Array<{ targets: Array<{ expr: string }> }> }>;
    };
    const row = dashboard.panels.find((p) => p.type === 'row' && p.title === 'uptime-kuma');
    expect(row?.panels.map((p) => p.targets[0]!.expr)).toEqual([
      'probe_success{job="blackbox",service="uptime-kuma"}',
      'probe_duration_seconds{job="blackbox",service="uptime-kuma"}',
      'up{job="uptime-kuma"}',
    ]);
  });

  it('alerts: the generated rules fire for it, with its own labels, when its probe and its scrape fail (promtool test rules)', async () => {
    const prom = svc('prometheus');
    for (const [path, content] of Object.entries(prom.configFiles).filter(([p]) => p.startsWith('rules/'))) {
      mkdirSync(join(scratch, 'rules'), { recursive: true });
      writeFileSync(join(scratch, path), content);
    }
    const probe = {
      job: 'blackbox',
      service: 'uptime-kuma',
      host: 'ocean',
      module: 'uptime-kuma_0',
      instance: 'http://192.168.1.143:3001/api/health',
    };
    const scrape = { job: 'uptime-kuma', service: 'uptime-kuma', host: 'ocean', instance: '192.168.1.143:3001' };
    const series = (name: string, labels: Record<string, string>) =>
      `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`;
    const only = (alertname: string, labels: Record<string, string>, severity: string) => ({
      exp_labels: { alertname, severity, ...labels },
    });
    const test = {
      rule_files: ['rules/*.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: series('probe_success', probe), values: '0x10' },
            { series: series('up', scrape), values: '0x10' },
          ],
          alert_rule_test: [
            { eval_time: '5m', alertname: 'ServiceProbeFailing', exp_alerts: [only('ServiceProbeFailing', probe, 'critical')] },
            { eval_time: '6m', alertname: 'ScrapeFailing', exp_alerts: [only('ScrapeFailing', scrape, 'warning')] },
          ],
        },
      ],
    };
    // promtool compares annotations too: take them from what the rules say for these labels.
    const annotations = (alert: string, labels: Record<string, string>) => {
      const rules = Object.entries(prom.configFiles)
        .filter(([p]) => p.startsWith('rules/'))
        .flatMap(([, t]) =>
          (parse(t) as { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }> }).groups.flatMap(
            (g) => g.rules,
          ),
        );
      const a = rules.find((r) => r.alert === alert)!.annotations;
      const fill = (s: string) => s.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, k: string) => labels[k] ?? '');
      return { summary: fill(a.summary!), description: fill(a.description!) };
    };
    for (const t of test.tests[0]!.alert_rule_test)
      for (const e of t.exp_alerts as Array<{ exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }>)
        e.exp_annotations = annotations(t.alertname, e.exp_labels);
    writeFileSync(join(scratch, 'test.yml'), stringify(test));
    const r = await execa('promtool', ['test', 'rules', 'test.yml'], { cwd: scratch, reject: false, all: true });
    expect(r.all).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('every release that changed is valid: nginx -t, named-checkzone, promtool and docker compose config accept it', async () => {
    const local = new LocalExecutor({ env: process.env as Record<string, string> });
    for (const name of ['nginx', 'bind9', 'prometheus', 'uptime-kuma'])
      expect(await validateService(svc(name), ws.inventory, ws.services, local), name).toEqual([]);
  }, 60_000);
});
