// Detection scenarios on a replayed steady log (a generated block-store log in the style of HDFS) with event times.
import { describe, expect, it } from 'vitest';
import { Detector } from './detector.ts';
import { Notifier, type Sink } from './notifier.ts';
import { blockStoreLog } from './synthetic-log.ts';
import type { Alert } from './types.ts';

const hdfs = blockStoreLog();
const minute = 60_000;
const t0 = Date.UTC(2026, 10, 26, 0, 0, 0);

// The 2,000 lines replayed `cycles` times, evenly over `minutesPerCycle` minutes each.
function* replay(cycles: number, minutesPerCycle = 5, from = t0): Generator<{ line: string; ts: number }> {
  const step = (minutesPerCycle * minute) / hdfs.length;
  for (let c = 0; c < cycles; c++) for (let i = 0; i < hdfs.length; i++) yield { line: hdfs[i]!, ts: from + (c * hdfs.length + i) * step };
}

function run(detector: Detector, events: Iterable<{ line: string; ts: number; source?: string }>): Alert[] {
  const alerts: Alert[] = [];
  for (const e of events) alerts.push(...detector.push({ source: e.source ?? 'hdfs', line: e.line, ts: e.ts }));
  return alerts;
}

describe('detection', () => {
  it('new templates: every one by default, only error-level ones with newTemplateLevel error', () => {
    const lines = ['worker 3 started', 'ERROR worker 4 retrying'].map((line, i) => ({ line, ts: t0 + i * 1000 }));
    const names = (d: Detector) => run(d, lines).map((a) => `${a.name} ${a.severity} ${a.example}`);
    expect(names(new Detector({ warmupWindows: 0 }))).toEqual([
      'NewLogTemplate warning worker 3 started',
      'NewLogTemplate critical ERROR worker 4 retrying',
    ]);
    expect(names(new Detector({ warmupWindows: 0, newTemplateLevel: 'error' }))).toEqual([
      'NewLogTemplate critical ERROR worker 4 retrying',
    ]);
  });

  it('severe lines: off by default; at critical level, only while their template is rare', () => {
    const lines = [
      'worker 3 started',
      'FATAL worker 7 lost its lease',
      'ERROR worker 4 retrying',
      'FATAL worker 9 lost its lease',
      'FATAL worker 2 lost its lease',
    ].map((line, i) => ({ line, ts: t0 + i * 1000 }));
    expect(run(new Detector(), lines)).toEqual([]);
    const alerts = run(new Detector({ severeLevel: 'critical', severeMaxSeen: 2 }), lines);
    // The first two FATAL lines of the template alert; the third does not (seen twice before); ERROR is below critical.
    expect(alerts.map((a) => `${a.name} ${a.severity} ${a.example}`)).toEqual([
      'SevereLogLine critical FATAL worker 7 lost its lease',
      'SevereLogLine critical FATAL worker 9 lost its lease',
    ]);
    expect(run(new Detector({ severeLevel: 'error' }), lines).map((a) => a.example)).toEqual([
      'FATAL worker 7 lost its lease',
      'ERROR worker 4 retrying',
      'FATAL worker 9 lost its lease',
      'FATAL worker 2 lost its lease',
    ]);
  });

  it('a steady log raises nothing', () => {
    const d = new Detector({ warmupWindows: 5 });
    const alerts = run(d, replay(6));
    alerts.push(...d.flush(t0 + 31 * minute));
    expect(alerts).toEqual([]);
  });

  it('an injected new error template and a rate spike raise exactly the expected alerts', () => {
    const d = new Detector({ warmupWindows: 5 });
    const alerts = run(d, replay(3));
    expect(alerts).toEqual([]);
    const at = t0 + 15 * minute;
    // minute 15: one never-seen error line, and one existing template 40 times more often than usual.
    const injected = [
      { line: 'ERROR dfs.DataNode: DataXceiver: java.io.IOException: No space left on device', ts: at + 1000 },
      ...Array.from({ length: 400 }, (_, i) => ({
        line: `PacketResponder 2 for block blk_${9000 + i} terminating`,
        ts: at + 2000 + i * 100,
      })),
    ];
    const more = run(d, [...injected, ...replay(1, 5, at + 5 * minute)]);
    more.push(...d.flush(at + 12 * minute));
    expect(more.map((a) => [a.name, a.severity, a.template])).toEqual([
      ['NewLogTemplate', 'critical', 'ERROR dfs.DataNode: DataXceiver: java.io.IOException: No space left on device'],
      ['TemplateRateSpike', 'warning', 'PacketResponder <*> for block <*> terminating'],
    ]);
  });

  it('a rare template bursting, an error surge, and user pattern rules', () => {
    const d = new Detector({
      warmupWindows: 2,
      windowMs: minute,
      rules: [{ name: 'OOM killer', pattern: 'Out of memory: Kill(ed)? process', severity: 'critical' }],
    });
    const base = Array.from({ length: 300 }, (_, i) => ({
      line: i % 100 === 0 ? 'disk quota warning for /srv' : `GET /index.html 200 ${i}ms`,
      ts: t0 + i * 1000,
    }));
    expect(run(d, base)).toEqual([]);
    const at = t0 + 5 * minute;
    const burst = Array.from({ length: 12 }, (_, i) => ({ line: 'disk quota warning for /srv', ts: at + i * 1000 }));
    const errors = Array.from({ length: 15 }, (_, i) => ({ line: `ERROR upstream timed out after ${i}s`, ts: at + 20_000 + i * 100 }));
    const oom = [{ line: 'Out of memory: Killed process 4242 (postgres)', ts: at + 30_000 }];
    const alerts = run(d, [...burst, ...errors, ...oom]);
    alerts.push(...d.flush(at + 2 * minute));
    expect(alerts.map((a) => a.name).sort()).toEqual([
      'ErrorSurge',
      'LogPatternMatch',
      'NewLogTemplate',
      'NewLogTemplate',
      'RareTemplateBurst',
    ]);
    expect(alerts.filter((a) => a.name === 'NewLogTemplate').map((a) => a.template)).toEqual([
      'ERROR upstream timed out after <*>',
      'Out of memory: Killed process <*> (postgres)',
    ]);
    expect(alerts.find((a) => a.name === 'LogPatternMatch')).toMatchObject({ severity: 'critical', labels: { rule: 'OOM killer' } });
  });
});

describe('notifier', () => {
  const alert = (name: string, source = 's', fingerprint = `${name}|${source}`): Alert => ({
    name,
    severity: 'warning',
    source,
    summary: name,
    labels: { alertname: name },
    at: 0,
    fingerprint,
  });

  it('deduplicates, groups per alert name and source, and rate-limits per sink', async () => {
    let now = 0;
    const sent: Alert[][] = [];
    const sink: Sink = { name: 'test', send: async (a) => void sent.push(a) };
    const n = new Notifier([sink], { dedupMs: 60_000, perMinute: 2, now: () => now });
    n.add([alert('A', 's', 'A1'), alert('A', 's', 'A2'), alert('A', 's', 'A1'), alert('B'), alert('C')]);
    await n.flush();
    expect(sent.map((g) => g.map((a) => a.fingerprint))).toEqual([['A1', 'A2'], ['B|s']]);
    expect(n.stats).toMatchObject({ raised: 5, deduplicated: 1, sent: 3, dropped: 1 });
    now += 61_000;
    n.add([alert('A', 's', 'A1')]);
    await n.flush();
    expect(sent.at(-1)!.map((a) => a.fingerprint)).toEqual(['A1']);
  });
});
