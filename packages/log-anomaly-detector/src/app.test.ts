// End to end: a real process appends to a file, the detector tails it, and the alert arrives in the
// real Alertmanager (Debian's prometheus-alertmanager), checked through its API. Also /metrics, /health.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, configFromEnv } from './app.ts';

const dir = mkdtempSync(join(tmpdir(), 'lad-e2e-'));
let alertmanager: ResultPromise;
let amPort = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  amPort = await freePort();
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: devnull\n  group_wait: 1s\nreceivers:\n  - name: devnull\n');
  alertmanager = execa(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'am.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ],
    { reject: false },
  );
  await until(async () => ((await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok ? true : undefined), 20_000);
}, 30_000);

afterAll(async () => {
  alertmanager?.kill();
  await alertmanager?.catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('log-anomaly-detector end to end', () => {
  it('lines a real process appends are tailed, and the alert arrives in Alertmanager', async () => {
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = configFromEnv({
      LAD_FILES: log,
      LAD_ALERTMANAGER_URL: `http://127.0.0.1:${amPort}`,
      LAD_PORT: '0',
      LAD_HOST: '127.0.0.1',
      LAD_WINDOW_SECONDS: '1',
      LAD_WARMUP_WINDOWS: '2',
    });
    const app = new App(config);
    await app.start();
    try {
      const writer = execa('sh', [
        '-c',
        `for i in $(seq 1 40); do echo "GET /index.html 200 $i ms" >> ${log}; sleep 0.1; done; echo "ERROR kernel: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm nginx: reading directory lblock 0" >> ${log}`,
      ]);
      await writer;
      const alerts = await until(async () => {
        const r = (await (await fetch(`http://127.0.0.1:${amPort}/api/v2/alerts`)).json()) as Array<{
          labels: Record<string, string>;
          annotations: Record<string, string>;
        }>;
        return r.find((a) => a.labels.alertname === 'NewLogTemplate') && r.find((a) => a.labels.alertname === 'LogPatternMatch')
          ? r
          : undefined;
      }, 15_000);
      const alert = alerts.find((a) => a.labels.alertname === 'NewLogTemplate')!;
      expect(alert.labels).toMatchObject({ severity: 'critical', source: log, service: 'log-anomaly-detector' });
      expect(alert.annotations.example).toContain('EXT4-fs error (device sda1)');
      expect(alert.annotations.template).toMatch(/^ERROR kernel: <\*> error \(device sda1\): /);
      expect(alerts.filter((a) => a.labels.alertname === 'NewLogTemplate')).toHaveLength(1);
      // The default homelab rules are on: the file-system error is also a disk-error rule match.
      expect(alerts.find((a) => a.labels.alertname === 'LogPatternMatch')!.labels).toMatchObject({
        severity: 'critical',
        rule: 'disk-error',
      });

      const metrics = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
      expect(metrics).toContain(`lad_lines_total{source="${log}"} 41`);
      expect(metrics).toMatch(/lad_alerts_total\{alertname="NewLogTemplate"\} 1/);
      expect(metrics).toMatch(/lad_alerts_total\{alertname="LogPatternMatch"\} 1/);
      expect(metrics).toMatch(/lad_notifications_total\{outcome="sent"\} 2/);
      expect(await (await fetch(`http://127.0.0.1:${app.port}/health`)).json()).toMatchObject({ status: 'ok', lines: 41 });
    } finally {
      await app.stop();
    }
  }, 60_000);
});

describe('configuration', () => {
  it('the detection levels come from LAD_NEW_TEMPLATE_LEVEL, LAD_SEVERE_LEVEL and LAD_SEVERE_MAX_SEEN, and a bad value names its variable', () => {
    expect(configFromEnv({ LAD_DEFAULT_RULES: '0' }).detector).toEqual({ rules: [] });
    expect(
      configFromEnv({
        LAD_DEFAULT_RULES: '0',
        LAD_NEW_TEMPLATE_LEVEL: 'error',
        LAD_SEVERE_LEVEL: 'critical',
        LAD_SEVERE_MAX_SEEN: 'Infinity',
      }).detector,
    ).toEqual({ newTemplateLevel: 'error', severeLevel: 'critical', severeMaxSeen: Number.POSITIVE_INFINITY, rules: [] });
    expect(() => configFromEnv({ LAD_SEVERE_LEVEL: 'fatal' })).toThrow('LAD_SEVERE_LEVEL=fatal: expected one of off, error, critical');
    expect(() => configFromEnv({ LAD_SEVERE_MAX_SEEN: 'many' })).toThrow('LAD_SEVERE_MAX_SEEN=many');
  });
});
