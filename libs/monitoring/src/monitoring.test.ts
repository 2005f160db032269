import { execa } from 'execa';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogOf } from '@homelab/model';
import { host, inventory, service } from '@homelab/model/testing';
import {
  alertmanagerConfig,
  alertRuleFiles,
  blackboxConfig,
  dashboardMetrics,
  dashboards,
  datasources,
  probeTargets,
  prometheusConfig,
  ruleTests,
  scrapeJobs,
} from './index.ts';

const inv = { ...inventory([host('ocean', { address: '10.0.0.1' }), host('dns01', { address: '10.0.0.53' })]), production: true };
const probe = (port: number, path = '/health') => ({ probes: [{ type: 'http' as const, port, path }] });
const catalog = catalogOf(
  [
    service('node-exporter', {
      metrics: { port: 9100 },
      health: { probes: [{ type: 'http', port: 9100, path: '/metrics', expectBody: 'node_exporter_build_info' }] },
    }),
    service('dcgm-exporter', { metrics: { port: 9400 }, health: probe(9400, '/metrics') }),
    service('log-anomaly-detector', { metrics: { port: 9105 }, health: probe(9105) }),
    service('prometheus', { metrics: { port: 9090 }, health: probe(9090, '/-/healthy') }),
    service('alertmanager', { health: probe(9093, '/-/healthy') }),
    service('loki', { health: probe(3100, '/ready') }),
    service('blackbox-exporter', { health: probe(9115, '/-/healthy') }),
    service('nginx', { health: probe(80, '/healthz') }),
    service('bind9', { host: 'dns01', health: { probes: [{ type: 'tcp', port: 5300 }] } }),
    service('grafana', {
      exposure: { port: 3000, domain: 'grafana.terrac.com' },
      health: { probes: [{ type: 'http', container: 'grafana', port: 3000, path: '/api/health' }] },
    }),
  ],
  inv,
);
const scratch = mkdtempSync(join(tmpdir(), 'homelab-monitoring-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Prometheus from the catalog', () => {
  it('a scrape job per service with metrics, addressed from the inventory, labelled with its service and host', () => {
    expect(scrapeJobs(catalog).map((j) => `${j.job} ${j.target}${j.path}`)).toEqual([
      'dcgm-exporter 10.0.0.1:9400/metrics',
      'log-anomaly-detector 10.0.0.1:9105/metrics',
      'node-exporter 10.0.0.1:9100/metrics',
      'prometheus 10.0.0.1:9090/metrics',
    ]);
    const config = parse(prometheusConfig(catalog)) as Record<string, unknown>;
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(config.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ['10.0.0.1:9093'] }] }] });
  });

  it('a blackbox probe per network probe (a probe asked inside a container has no address), and one per public domain for its certificate', () => {
    expect(probeTargets(catalog).map((p) => `${p.module} ${p.target}`)).toEqual([
      'alertmanager_0 http://10.0.0.1:9093/-/healthy',
      'bind9_0 10.0.0.53:5300',
      'blackbox-exporter_0 http://10.0.0.1:9115/-/healthy',
      'dcgm-exporter_0 http://10.0.0.1:9400/metrics',
      'log-anomaly-detector_0 http://10.0.0.1:9105/health',
      'loki_0 http://10.0.0.1:3100/ready',
      'nginx_0 http://10.0.0.1:80/healthz',
      'node-exporter_0 http://10.0.0.1:9100/metrics',
      'prometheus_0 http://10.0.0.1:9090/-/healthy',
      'grafana_tls https://10.0.0.1:443/',
    ]);
    const job = (parse(prometheusConfig(catalog)) as { scrape_configs: Array<Record<string, unknown>> }).scrape_configs.find(
      (j) => j.job_name === 'blackbox',
    )!;
    expect(job.relabel_configs).toContainEqual({ target_label: '__address__', replacement: '10.0.0.1:9115' });
    const modules = (parse(blackboxConfig(catalog)) as { modules: Record<string, Record<string, unknown>> }).modules;
    expect(modules['node-exporter_0']).toEqual({
      prober: 'http',
      timeout: '10s',
      http: {
        preferred_ip_protocol: 'ip4',
        follow_redirects: false,
        valid_status_codes: [200],
        fail_if_body_not_matches_regexp: ['node_exporter_build_info'],
      },
    });
    expect(modules.bind9_0).toEqual({ prober: 'tcp', timeout: '5s' });
    expect((modules.grafana_tls!.http as Record<string, unknown>).tls_config).toEqual({ server_name: 'grafana.terrac.com' });
    // The lab's certificates come from its own CA: there the TLS probe reads the expiry without verifying.
    const lab = (
      parse(blackboxConfig({ ...catalog, inventory: { ...inv, production: false } })) as {
        modules: Record<string, { http: Record<string, unknown> }>;
      }
    ).modules;
    expect(lab.grafana_tls!.http.tls_config).toEqual({ server_name: 'grafana.terrac.com', insecure_skip_verify: true });
  });

  it('no blackbox exporter, no Alertmanager in the catalog: no probe job and no alerting block', () => {
    const small = catalogOf([service('node-exporter', { metrics: { port: 9100 } })], inv);
    const config = parse(prometheusConfig(small)) as { scrape_configs: Array<{ job_name: string }>; alerting?: unknown };
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(['node-exporter']);
    expect(config.alerting).toBeUndefined();
  });
});

describe('alert rules', () => {
  it('cover host down, disk, memory, GPU temperature and VRAM, failing probes, restart loops, certificates, log anomalies and scrapes', () => {
    const alerts = Object.values(alertRuleFiles()).flatMap((t) =>
      (parse(t) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups[0]!.rules.map((r) => r.alert),
    );
    expect(alerts.sort()).toEqual([
      'CertificateExpiringSoon',
      'DiskSpaceLow',
      'GpuTemperatureHigh',
      'GpuVramHigh',
      'HostDown',
      'LogAnomaly',
      'MemoryPressure',
      'ScrapeFailing',
      'ServiceProbeFailing',
      'ServiceRestartLoop',
    ]);
  });

  it('pass promtool check rules and their unit tests (promtool test rules), and a broken rule fails them', async () => {
    mkdirSync(join(scratch, 'rules'), { recursive: true });
    for (const [path, text] of Object.entries(alertRuleFiles())) writeFileSync(join(scratch, path), text);
    writeFileSync(join(scratch, 'tests.yml'), ruleTests('rules'));
    const check = await execa('promtool', ['check', 'rules', ...Object.keys(alertRuleFiles())], { cwd: scratch, reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
    const test = await execa('promtool', ['test', 'rules', 'tests.yml'], { cwd: scratch, reject: false, all: true });
    expect(test.exitCode, test.all).toBe(0);
    // The same tests against a rule that waits longer: HostDown no longer fires at 4 minutes.
    writeFileSync(join(scratch, 'rules/hosts.yml'), alertRuleFiles()['rules/hosts.yml']!.replace('for: 2m', 'for: 10m'));
    const broken = await execa('promtool', ['test', 'rules', 'tests.yml'], { cwd: scratch, reject: false, all: true });
    expect(broken.exitCode).not.toBe(0);
    expect(broken.all).toContain('alertname: HostDown, time: 4m');
  });
});

describe('Alertmanager', () => {
  it('Discord for everything, Discord, Slack and email for critical alerts; a host down silences its services; amtool accepts it', async () => {
    const text = alertmanagerConfig();
    const config = parse(text) as { route: Record<string, unknown>; receivers: Array<Record<string, unknown>>; inhibit_rules: unknown[] };
    expect(config.receivers.map((r) => r.name)).toEqual(['discord', 'everyone']);
    expect(Object.keys(config.receivers[1]!).sort()).toEqual(['discord_configs', 'email_configs', 'name', 'slack_configs']);
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="HostDown"'],
        target_matchers: ['alertname=~"ServiceProbeFailing|ScrapeFailing|ServiceRestartLoop"'],
        equal: ['host'],
      },
    ]);
    expect(text).not.toMatch(/hooks\.slack\.com|discord\.com\/api/); // secrets come from files at start
    writeFileSync(join(scratch, 'am.yml'), text.replace('__DISCORD_WEBHOOK_URL__', 'https://discord.invalid/x'));
    const r = await execa('amtool', ['check-config', join(scratch, 'am.yml')], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
  });
});

// The metric families each scrape job of the catalog provides.
const provides: Array<[RegExp, string]> = [
  [/^node_/, 'node-exporter'],
  [/^DCGM_/, 'dcgm-exporter'],
  [/^probe_/, 'blackbox'],
  [/^lad_/, 'log-anomaly-detector'],
];

describe('Grafana', () => {
  it('datasources for Prometheus, Loki and its MySQL, the password read from its environment', () => {
    const ds = parse(datasources(catalog)) as { datasources: Array<Record<string, unknown>> };
    expect(ds.datasources.map((d) => `${d.type} ${d.url}`)).toEqual([
      'prometheus http://10.0.0.1:9090',
      'loki http://10.0.0.1:3100',
      'mysql grafana-db:3306',
    ]);
    expect(ds.datasources[2]!.secureJsonData).toEqual({ password: '$GF_DATABASE_PASSWORD' });
  });

  it('dashboards for hosts, GPU, services (a row per probed or scraped service) and logs; every query reads a metric the generated scrape config collects', () => {
    const all = dashboards(catalog);
    expect(Object.keys(all)).toEqual(['hosts.json', 'gpu.json', 'services.json', 'logs.json']);
    const rows = (JSON.parse(all['services.json']!) as { panels: Array<{ title: string; type: string }> }).panels.filter(
      (p) => p.type === 'row',
    );
    expect(rows.map((r) => r.title)).toContain('grafana');
    const jobs = (parse(prometheusConfig(catalog)) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map(
      (j) => j.job_name,
    );
    for (const [name, json] of Object.entries(all))
      for (const metric of dashboardMetrics(json)) {
        if (metric === 'up') continue; // every job has it
        const job = provides.find(([re]) => re.test(metric))?.[1];
        expect(job, `${name}: ${metric} comes from no known exporter`).toBeDefined();
        expect(jobs, `${name}: ${metric} needs the ${job} job`).toContain(job);
      }
    expect(dashboardMetrics(all['gpu.json']!)).toEqual([
      'DCGM_FI_DEV_FB_FREE',
      'DCGM_FI_DEV_FB_USED',
      'DCGM_FI_DEV_GPU_TEMP',
      'DCGM_FI_DEV_GPU_UTIL',
    ]);
  });
});
