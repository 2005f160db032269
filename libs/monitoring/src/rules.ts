// Pure: the alert rules (one file per group) and their promtool unit tests. Every rule names the
// service and host it is about, so Alertmanager can route and inhibit by them.
import { stringify } from 'yaml';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

const rule = (
  alert: string,
  expr: string,
  forDuration: string,
  severity: 'critical' | 'warning',
  summary: string,
  description: string,
): AlertRule => ({
  alert,
  expr,
  for: forDuration,
  labels: { severity },
  annotations: { summary, description },
});

export interface RuleOptions {
  /** The job of the node exporter (the service's name). */
  nodeJob: string;
  gpuJob: string;
  anomalyJob: string;
  /** Health probes failing for this long fire ServiceProbeFailing. */
  probeFor: string;
}

export const defaultRuleOptions: RuleOptions = {
  nodeJob: 'node-exporter',
  gpuJob: 'dcgm-exporter',
  anomalyJob: 'log-anomaly-detector',
  probeFor: '2m',
};

// The lab (any non-production inventory) is quicker to tell: a failing probe alerts after 30 s.
export function ruleOptionsFor(inventory: { production: boolean }): RuleOptions {
  return inventory.production ? defaultRuleOptions : { ...defaultRuleOptions, probeFor: '30s' };
}

export function alertRules(options: RuleOptions = defaultRuleOptions): RuleGroup[] {
  const o = options;
  return [
    {
      name: 'hosts',
      rules: [
        rule(
          'HostDown',
          `up{job="${o.nodeJob}"} == 0`,
          '2m',
          'critical',
          'Host {{ $labels.host }} is down',
          'The node exporter of {{ $labels.host }} has not answered for 2 minutes.',
        ),
        rule(
          'DiskSpaceLow',
          `node_filesystem_avail_bytes{job="${o.nodeJob}",fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{job="${o.nodeJob}",fstype!~"tmpfs|overlay|squashfs"} < 0.10`,
          '10m',
          'warning',
          'Disk {{ $labels.mountpoint }} on {{ $labels.host }} is over 90% full',
          'Less than 10% of {{ $labels.mountpoint }} is free.',
        ),
        rule(
          'MemoryPressure',
          `node_memory_MemAvailable_bytes{job="${o.nodeJob}"} / node_memory_MemTotal_bytes{job="${o.nodeJob}"} < 0.10`,
          '10m',
          'warning',
          'Memory on {{ $labels.host }} is over 90% used',
          'Less than 10% of memory has been available for 10 minutes.',
        ),
      ],
    },
    {
      name: 'gpu',
      rules: [
        rule(
          'GpuTemperatureHigh',
          `DCGM_FI_DEV_GPU_TEMP{job="${o.gpuJob}"} > 85`,
          '5m',
          'warning',
          'GPU {{ $labels.gpu }} on {{ $labels.host }} is above 85°C',
          'The GPU has been above 85°C for 5 minutes.',
        ),
        rule(
          'GpuVramHigh',
          `DCGM_FI_DEV_FB_USED{job="${o.gpuJob}"} / (DCGM_FI_DEV_FB_USED{job="${o.gpuJob}"} + DCGM_FI_DEV_FB_FREE{job="${o.gpuJob}"}) > 0.95`,
          '10m',
          'warning',
          'GPU {{ $labels.gpu }} on {{ $labels.host }} has over 95% of its VRAM in use',
          'A GPU service may fail to load its model.',
        ),
      ],
    },
    {
      name: 'services',
      rules: [
        rule(
          'ServiceProbeFailing',
          'probe_success{job="blackbox"} == 0',
          o.probeFor,
          'critical',
          '{{ $labels.service }} on {{ $labels.host }} fails its health probe',
          `The health probe {{ $labels.instance }} ({{ $labels.module }}) has failed for ${o.probeFor}.`,
        ),
        rule(
          'ServiceRestartLoop',
          'changes(process_start_time_seconds[15m]) >= 3',
          '0m',
          'warning',
          '{{ $labels.service }} on {{ $labels.host }} restarted {{ $value }} times in 15 minutes',
          'Its process keeps starting again: look at `homelab logs {{ $labels.service }}`.',
        ),
        rule(
          'CertificateExpiringSoon',
          '(probe_ssl_earliest_cert_expiry{job="blackbox"} - time()) / 86400 < 14',
          '1h',
          'warning',
          'The certificate of {{ $labels.service }} expires in {{ $value | humanize }} days',
          'Renewal should have happened 30 days before expiry: look at the acme service.',
        ),
        rule(
          'ScrapeFailing',
          'up{job!="blackbox"} == 0',
          '5m',
          'warning',
          'Prometheus cannot scrape {{ $labels.job }} on {{ $labels.host }}',
          'The target {{ $labels.instance }} has not answered for 5 minutes.',
        ),
      ],
    },
    {
      name: 'logs',
      rules: [
        rule(
          'LogAnomaly',
          `increase(lad_alerts_total{job="${o.anomalyJob}"}[10m]) > 0`,
          '0m',
          'warning',
          'The log anomaly detector raised {{ $labels.alert }}',
          'New or bursting log patterns: see the logs dashboard in Grafana.',
        ),
      ],
    },
  ];
}

// A rules file holding these groups.
export function ruleFile(groups: Array<{ name: string; rules: unknown[] }>): string {
  return `# Generated by homelab: the next deploy of prometheus replaces it.\n${stringify({ groups }, { lineWidth: 0 })}`;
}

export function alertRuleFiles(options: RuleOptions = defaultRuleOptions): Record<string, string> {
  return Object.fromEntries(alertRules(options).map((g) => [`rules/${g.name}.yml`, ruleFile([g])]));
}

// promtool unit tests of the rules: each alert fires on the series that should fire it, at the time
// its `for` says, with the labels that route it, and stays silent on healthy series.
export function ruleTests(rulesDir: string, options: RuleOptions = defaultRuleOptions): string {
  const o = options;
  const node = `job="${o.nodeJob}",host="ocean",service="${o.nodeJob}",instance="10.0.0.1:9100"`;
  const fs = `${node},mountpoint="/data01",fstype="zfs"`;
  const gpu = `job="${o.gpuJob}",host="ocean",service="${o.gpuJob}",gpu="0",instance="10.0.0.1:9400"`;
  const probe = 'job="blackbox",host="ocean",service="plex",module="plex_0",instance="http://10.0.0.1:32400/identity"';
  const tls = 'job="blackbox",host="ocean",service="grafana",module="grafana_tls",instance="https://10.0.0.1:443/"';
  const lad = `job="${o.anomalyJob}",host="ocean",service="${o.anomalyJob}",instance="10.0.0.1:9105",alert="NewTemplate"`;
  const rules = new Map(alertRules(options).flatMap((g) => g.rules.map((r) => [r.alert, r] as const)));
  // The annotations as Prometheus expands them for these labels (and $value where a rule prints it).
  const expand = (text: string, labels: Record<string, string>, value: string) =>
    text.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, k: string) => labels[k] ?? '').replace(/\{\{ \$value( \| humanize)? \}\}/g, value);
  const exp = (alertname: string, labels: Record<string, string>, severity: string, value = '') => {
    const r = rules.get(alertname)!;
    return {
      exp_labels: { alertname, severity, ...labels },
      exp_annotations: {
        summary: expand(r.annotations.summary, labels, value),
        description: expand(r.annotations.description, labels, value),
      },
    };
  };
  const tests = [
    {
      interval: '1m',
      input_series: [
        { series: `up{${node}}`, values: '1 0 0 0 0 0' },
        { series: `node_filesystem_avail_bytes{${fs}}`, values: '5x20' },
        { series: `node_filesystem_size_bytes{${fs}}`, values: '100x20' },
        { series: `node_memory_MemAvailable_bytes{${node}}`, values: '50x20' },
        { series: `node_memory_MemTotal_bytes{${node}}`, values: '100x20' },
      ],
      alert_rule_test: [
        { eval_time: '2m', alertname: 'HostDown', exp_alerts: [] },
        {
          eval_time: '4m',
          alertname: 'HostDown',
          exp_alerts: [exp('HostDown', { job: o.nodeJob, host: 'ocean', service: o.nodeJob, instance: '10.0.0.1:9100' }, 'critical')],
        },
        { eval_time: '9m', alertname: 'DiskSpaceLow', exp_alerts: [] },
        {
          eval_time: '11m',
          alertname: 'DiskSpaceLow',
          exp_alerts: [
            exp(
              'DiskSpaceLow',
              { job: o.nodeJob, host: 'ocean', service: o.nodeJob, instance: '10.0.0.1:9100', mountpoint: '/data01', fstype: 'zfs' },
              'warning',
            ),
          ],
        },
        { eval_time: '15m', alertname: 'MemoryPressure', exp_alerts: [] },
      ],
    },
    {
      interval: '1m',
      input_series: [
        { series: `DCGM_FI_DEV_GPU_TEMP{${gpu}}`, values: '90x10' },
        { series: `DCGM_FI_DEV_FB_USED{${gpu}}`, values: '23000x15' },
        { series: `DCGM_FI_DEV_FB_FREE{${gpu}}`, values: '576x15' },
        { series: `node_memory_MemAvailable_bytes{${node}}`, values: '5x15' },
        { series: `node_memory_MemTotal_bytes{${node}}`, values: '100x15' },
      ],
      alert_rule_test: [
        {
          eval_time: '6m',
          alertname: 'GpuTemperatureHigh',
          exp_alerts: [
            exp('GpuTemperatureHigh', { job: o.gpuJob, host: 'ocean', service: o.gpuJob, gpu: '0', instance: '10.0.0.1:9400' }, 'warning'),
          ],
        },
        {
          eval_time: '11m',
          alertname: 'GpuVramHigh',
          exp_alerts: [
            exp('GpuVramHigh', { job: o.gpuJob, host: 'ocean', service: o.gpuJob, gpu: '0', instance: '10.0.0.1:9400' }, 'warning'),
          ],
        },
        {
          eval_time: '11m',
          alertname: 'MemoryPressure',
          exp_alerts: [exp('MemoryPressure', { job: o.nodeJob, host: 'ocean', service: o.nodeJob, instance: '10.0.0.1:9100' }, 'warning')],
        },
      ],
    },
    {
      interval: '1m',
      input_series: [
        { series: `probe_success{${probe}}`, values: '1 1 0 0 0 0 0' },
        { series: `probe_ssl_earliest_cert_expiry{${tls}}`, values: `${10 * 86400}+60x90` }, // 10 days ahead at 61m
        { series: `up{job="plex",host="ocean",service="plex",instance="10.0.0.1:32400"}`, values: '0x10' },
        {
          series: `process_start_time_seconds{job="plex",host="ocean",service="plex",instance="10.0.0.1:32400"}`,
          values: '100 200 300 400 400',
        },
        { series: `lad_alerts_total{${lad}}`, values: '0 0 1 1' },
      ],
      alert_rule_test: [
        // Failing from 2m: pending then, firing by 5m for any `for` up to 3m (the lab's is shorter).
        { eval_time: '2m', alertname: 'ServiceProbeFailing', exp_alerts: [] },
        {
          eval_time: '5m',
          alertname: 'ServiceProbeFailing',
          exp_alerts: [
            exp(
              'ServiceProbeFailing',
              { job: 'blackbox', host: 'ocean', service: 'plex', module: 'plex_0', instance: 'http://10.0.0.1:32400/identity' },
              'critical',
            ),
          ],
        },
        {
          eval_time: '61m',
          alertname: 'CertificateExpiringSoon',
          exp_alerts: [
            exp(
              'CertificateExpiringSoon',
              { job: 'blackbox', host: 'ocean', service: 'grafana', module: 'grafana_tls', instance: 'https://10.0.0.1:443/' },
              'warning',
              '10',
            ),
          ],
        },
        { eval_time: '4m', alertname: 'ScrapeFailing', exp_alerts: [] },
        {
          eval_time: '6m',
          alertname: 'ScrapeFailing',
          exp_alerts: [exp('ScrapeFailing', { job: 'plex', host: 'ocean', service: 'plex', instance: '10.0.0.1:32400' }, 'warning')],
        },
        {
          eval_time: '4m',
          alertname: 'ServiceRestartLoop',
          exp_alerts: [
            exp('ServiceRestartLoop', { job: 'plex', host: 'ocean', service: 'plex', instance: '10.0.0.1:32400' }, 'warning', '3'),
          ],
        },
        {
          eval_time: '3m',
          alertname: 'LogAnomaly',
          exp_alerts: [
            exp(
              'LogAnomaly',
              { job: o.anomalyJob, host: 'ocean', service: o.anomalyJob, instance: '10.0.0.1:9105', alert: 'NewTemplate' },
              'warning',
            ),
          ],
        },
      ],
    },
  ];
  const files = alertRules(options).map((g) => `${rulesDir}/${g.name}.yml`);
  return `# Generated by homelab: promtool test rules for the generated alert rules.\n${stringify({ rule_files: files, evaluation_interval: '1m', tests }, { lineWidth: 0 })}`;
}
