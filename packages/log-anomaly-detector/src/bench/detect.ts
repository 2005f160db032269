// npm run bench:detect [-- --data DIR]: the detector on the labelled BGL sample (DIR/BGL/BGL_2k.log),
// replayed at its own timestamps. Each raw line's first field is its label ("-" normal, anything else an
// alert line); the detector gets the line without it. An alert is counted against the lines it is about:
// NewLogTemplate and LogPatternMatch against the line that raised it, RareTemplateBurst and
// TemplateRateSpike against the lines of that template in that window, ErrorSurge against the error lines
// of that window. Line-level precision, recall and F1, and alerts per hour on the normal stretches.
// Two references are measured in the same run on the same lines: every error-level line (a grep), and the
// first line of every template (novelty, with no warm-up and no windows).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRules } from '../rules.ts';
import { Detector, type DetectorOptions, defaultDetectorOptions } from '../detect/detector.ts';
import { TemplateMiner } from '../miner/drain.ts';
import type { Alert } from '../detect/types.ts';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
const dir = resolve(values.data ?? new URL('../../../../../shared/loghub', import.meta.url).pathname);
const file = join(dir, 'BGL', 'BGL_2k.log');

export interface LabelledEvent {
  anomalous: boolean;
  ts: number;
  line: string;
}

// "<label> <epoch seconds> <rest>": the label is cut off, the rest is what a log shipper would send.
export function parseBgl(text: string): LabelledEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((raw, i) => {
      const first = raw.indexOf(' ');
      const second = raw.indexOf(' ', first + 1);
      const seconds = Number(raw.slice(first + 1, second));
      if (first < 0 || second < 0 || !Number.isFinite(seconds)) throw new Error(`${file}:${i + 1}: expected "<label> <epoch seconds> ..."`);
      return { anomalous: raw.slice(0, first) !== '-', ts: seconds * 1000, line: raw.slice(first + 1) };
    });
}

export interface Score {
  flagged: number;
  precision: number;
  recall: number;
  f1: number;
}

export function score(flags: boolean[], events: LabelledEvent[]): Score {
  let tp = 0;
  let flagged = 0;
  const positives = events.filter((e) => e.anomalous).length;
  flags.forEach((f, i) => {
    if (!f) return;
    flagged++;
    if (events[i]!.anomalous) tp++;
  });
  const precision = flagged ? tp / flagged : 0;
  const recall = positives ? tp / positives : 0;
  return { flagged, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

// Replays the events through a detector; returns, per line, whether an alert was about it, and the alerts.
export function replay(events: LabelledEvent[], detector: Detector): { flags: boolean[]; alerts: Alert[] } {
  const flags = events.map(() => false);
  const templateOf: number[] = [];
  const windowMs = detector.options.windowMs;
  const alerts: Alert[] = [];
  // Lines of the window that is still open, by index (window alerts come when it closes).
  let open: number[] = [];
  const windowAlerts = (list: Alert[]) => {
    for (const a of list) {
      const from = a.at - windowMs;
      const inWindow = open.filter((i) => events[i]!.ts >= from && events[i]!.ts < a.at);
      if (a.name === 'RareTemplateBurst' || a.name === 'TemplateRateSpike') {
        const id = Number(a.fingerprint.slice(a.fingerprint.lastIndexOf(':') + 1));
        for (const i of inWindow) if (templateOf[i] === id) flags[i] = true;
      } else if (a.name === 'ErrorSurge') {
        for (const i of inWindow) if (detector.options.errorPattern.test(events[i]!.line)) flags[i] = true;
      }
    }
  };
  events.forEach((e, i) => {
    const raised = detector.push({ source: 'bgl', line: e.line, ts: e.ts });
    templateOf[i] = detector.lastTemplateId;
    // Alerts about this line, and alerts of windows that this line closed.
    const lineAlerts = raised.filter((a) => a.name === 'NewLogTemplate' || a.name === 'LogPatternMatch' || a.name === 'SevereLogLine');
    windowAlerts(raised.filter((a) => !lineAlerts.includes(a)));
    if (lineAlerts.length) flags[i] = true;
    alerts.push(...raised);
    open = open.filter((j) => events[j]!.ts >= e.ts - windowMs);
    open.push(i);
  });
  const last = events[events.length - 1];
  if (last) {
    const rest = detector.flush(last.ts + 2 * windowMs);
    windowAlerts(rest);
    alerts.push(...rest);
  }
  return { flags, alerts };
}

// Normal stretches: the time between two alert lines, less one window on either side; alerts in them per hour.
export function alertsPerNormalHour(events: LabelledEvent[], alerts: Alert[], marginMs: number): { hours: number; alerts: number } {
  const anomalies = events.filter((e) => e.anomalous).map((e) => e.ts);
  const bounds = [events[0]!.ts - marginMs, ...anomalies, events[events.length - 1]!.ts + marginMs];
  let ms = 0;
  let count = 0;
  for (let i = 1; i < bounds.length; i++) {
    const from = bounds[i - 1]! + marginMs;
    const to = bounds[i]! - marginMs;
    if (to <= from) continue;
    ms += to - from;
    count += alerts.filter((a) => a.at >= from && a.at < to).length;
  }
  return { hours: ms / 3_600_000, alerts: count };
}

// The settings searched on the first half: new-template alerts for any line or only error-level ones;
// the per-line severe alert off, at critical level or at error level, gated by how often the line's
// template was seen before (a rare template at that level). Stricter settings come first.
type Settings = Pick<DetectorOptions, 'newTemplateLevel' | 'severeLevel' | 'severeMaxSeen'>;
export function settingsGrid(): Settings[] {
  const grid: Settings[] = [];
  for (const newTemplateLevel of ['error', 'any'] as const) {
    grid.push({ newTemplateLevel, severeLevel: 'off', severeMaxSeen: 0 });
    for (const severeLevel of ['critical', 'error'] as const)
      for (const severeMaxSeen of [1, 3, 5, 10, 20, 50, Number.POSITIVE_INFINITY])
        grid.push({ newTemplateLevel, severeLevel, severeMaxSeen });
  }
  return grid;
}

// Scores only the lines `inPart` selects.
export function scorePart(flags: boolean[], events: LabelledEvent[], inPart: (i: number) => boolean): Score {
  const idx = events.map((_, i) => i).filter(inPart);
  return score(
    idx.map((i) => flags[i]!),
    idx.map((i) => events[i]!),
  );
}

const isMain = process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const events = parseBgl(readFileSync(file, 'utf8'));
  const f = (x: number) => x.toFixed(3);
  const positives = events.filter((e) => e.anomalous).length;
  const span = (events[events.length - 1]!.ts - events[0]!.ts) / 86_400_000;
  // Held-out split by time: settings are chosen on the first half (the detector sees only it), and scored
  // on the second half (the detector runs over the whole stream, as a service would, and only the second
  // half's lines are counted).
  const mid = events[events.length >> 1]!.ts;
  const first = events.filter((e) => e.ts < mid);
  const second = (i: number) => events[i]!.ts >= mid;
  const grid = settingsGrid();
  const trial = grid.map((g) => ({ g, s: score(replay(first, new Detector({ rules: defaultRules(), ...g })).flags, first) }));
  // The best F1; among settings within 0.005 of it, the one that flags fewest lines, then the strictest
  // (the first in the grid). This tie rule was written after seeing a tie on this split (error and critical
  // level flag the same lines in the first half): the loosest of the tied settings is scored beside it.
  const top = Math.max(...trial.map((t) => t.s.f1));
  const tied = trial.filter((t) => t.s.f1 >= top - 0.005);
  const best = tied.reduce((a, b) => (b.s.flagged < a.s.flagged ? b : a));
  const firstTied = tied[tied.length - 1]!;
  const label = (g: Settings) =>
    `new templates: ${g.newTemplateLevel === 'any' ? 'any line' : 'error-level lines'}; ${g.severeLevel === 'off' ? 'severe lines off' : `${g.severeLevel}-level lines, template seen < ${g.severeMaxSeen} times before`}`;
  console.log(
    `\nDetector on ${file}: ${events.length} lines over ${span.toFixed(0)} days, ${positives} labelled alert lines; replayed at their own timestamps; window ${defaultDetectorOptions.windowMs / 1000} s, warm-up ${defaultDetectorOptions.warmupWindows} windows, the default homelab rules.`,
  );
  console.log(
    `\nSettings chosen on the first half by time (${first.length} lines, ${first.filter((e) => e.anomalous).length} alert lines, before ${new Date(mid).toISOString()}), by F1 over ${grid.length} settings (the detector sees only the first half):\n`,
  );
  console.log('| new-template alerts | severe-line alerts | first half: flagged | precision | recall | F1 |');
  console.log('|---|---|---|---|---|---|');
  for (const t of trial)
    console.log(
      `| ${t.g.newTemplateLevel === 'any' ? 'any line' : 'error-level lines'} | ${t.g.severeLevel === 'off' ? 'off' : `${t.g.severeLevel} level, template seen < ${t.g.severeMaxSeen} times before`} | ${t.s.flagged} | ${f(t.s.precision)} | ${f(t.s.recall)} | ${f(t.s.f1)} |`,
    );
  console.log(
    `\nChosen: ${label(best.g)} (${tied.length} settings within 0.005 of the best; the loosest of them: ${label(firstTied.g)}).\n`,
  );
  const chosen = replay(events, new Detector({ rules: defaultRules(), ...best.g }));
  const plain = replay(events, new Detector({ rules: defaultRules() }));
  const grepError = events.map((e) => defaultDetectorOptions.errorPattern.test(e.line));
  const grepCritical = events.map((e) => defaultDetectorOptions.criticalPattern.test(e.line));
  const miner = new TemplateMiner();
  const firstLines = events.map((e) => miner.add(e.line).created);
  console.log('| detector | part | lines flagged | precision | recall | F1 |');
  console.log('|---|---|---|---|---|---|');
  const row = (name: string, part: string, s: Score) =>
    console.log(`| ${name} | ${part} | ${s.flagged} | ${f(s.precision)} | ${f(s.recall)} | ${f(s.f1)} |`);
  row('**this detector, chosen settings**', '**second half (held out)**', scorePart(chosen.flags, events, second));
  if (firstTied !== best)
    row(
      `this detector, ${label(firstTied.g)}`,
      'second half',
      scorePart(replay(events, new Detector({ rules: defaultRules(), ...firstTied.g })).flags, events, second),
    );
  row(
    'this detector, the program defaults (compose.yaml deploys the chosen settings)',
    'second half',
    scorePart(plain.flags, events, second),
  );
  row('reference: every error-level line', 'second half', scorePart(grepError, events, second));
  row('reference: every critical-level line', 'second half', scorePart(grepCritical, events, second));
  row('reference: first line of every template', 'second half', scorePart(firstLines, events, second));
  row('this detector, chosen settings', 'whole (in-sample)', score(chosen.flags, events));
  row('this detector, the program defaults (compose.yaml deploys the chosen settings)', 'whole', score(plain.flags, events));
  row('reference: every error-level line', 'whole', score(grepError, events));
  row('reference: first line of every template', 'whole', score(firstLines, events));
  const alerts = chosen.alerts;
  const byName = new Map<string, number>();
  for (const a of alerts) byName.set(a.name, (byName.get(a.name) ?? 0) + 1);
  const normal = alertsPerNormalHour(events, alerts, defaultDetectorOptions.windowMs);
  const normalPlain = alertsPerNormalHour(events, plain.alerts, defaultDetectorOptions.windowMs);
  console.log(`\nAlerts of the chosen settings by name: ${[...byName].map(([n, c]) => `${n} ${c}`).join(', ') || 'none'}.`);
  console.log(
    `Normal stretches (between alert lines, one window kept clear either side): ${normal.hours.toFixed(0)} h; chosen settings ${normal.alerts} alerts, ${(normal.alerts / normal.hours).toFixed(4)} per hour; the program defaults ${normalPlain.alerts}, ${(normalPlain.alerts / normalPlain.hours).toFixed(4)} per hour (alerts, before the notifier's 15-minute deduplication by fingerprint).`,
  );
  console.log(
    [
      '',
      'Published unsupervised baseline on BGL, for scale only (not comparable: scored per sliding time window over the full',
      '4.7 M-line BGL log, not per line of this 2,000-line sample): Log Clustering (Lin et al., ICSE 2016) as implemented in',
      'loglizer for "Experience Report: System Log Analysis for Anomaly Detection" (He et al., ISSRE 2016), run on BGL with',
      "loglizer's sliding windows (5,151 windows, 1,400 anomalous) and reported in logpai/loglizer issue #24: precision 0.160,",
      "recall 0.298, F1 0.208 (the reporter notes it differs from the paper's figures, which are not quoted here).",
    ].join('\n'),
  );
}
