// Detection over the mined templates, per source, in fixed windows of event time:
// a never-seen template; a rare template bursting; a template's rate spiking against its own
// baseline; an error-level surge; user pattern rules.
import { TemplateMiner, type MinerOptions } from '../miner/drain.ts';
import type { Alert, LogEvent, PatternRule, Severity } from './types.ts';

export interface DetectorOptions {
  windowMs: number;
  /** Windows of history before rate-based alerts may fire (and new templates count as anomalies). */
  warmupWindows: number;
  /** EWMA weight of the newest window in a baseline. */
  alpha: number;
  /** A rate spike needs at least this many lines in the window ... */
  spikeMinCount: number;
  /** ... and this many times the baseline (plus 3 sigma of a Poisson baseline). */
  spikeFactor: number;
  /** A template is rare while it has been seen fewer than this many times before the window. */
  rareMaxSeen: number;
  /** A rare template bursting: at least this many lines in one window. */
  burstMinCount: number;
  errorMinCount: number;
  errorFactor: number;
  errorPattern: RegExp;
  /** Critical level and above (syslog's crit, alert, emerg; fatal, panic). */
  criticalPattern: RegExp;
  /**
   * SevereLogLine, an alert about one line: 'error' for every error-level line, 'critical' for every
   * critical-level line, 'off' for none; only while the line's template has been seen fewer than
   * `severeMaxSeen` times before (Infinity: always).
   */
  severeLevel: 'off' | 'error' | 'critical';
  severeMaxSeen: number;
  /** NewLogTemplate for every new template ('any') or only for one whose first line is error-level. */
  newTemplateLevel: 'any' | 'error';
  rules: PatternRule[];
  miner: Partial<MinerOptions>;
}

export const defaultDetectorOptions: DetectorOptions = {
  windowMs: 60_000,
  warmupWindows: 5,
  alpha: 0.2,
  spikeMinCount: 20,
  spikeFactor: 5,
  rareMaxSeen: 5,
  burstMinCount: 10,
  errorMinCount: 10,
  errorFactor: 4,
  errorPattern: /\b(ERROR|ERR|FATAL|CRIT(ICAL)?|PANIC|EMERG|ALERT|SEVERE|FAILURE|Exception)\b/,
  criticalPattern: /\b(FATAL|CRIT(ICAL)?|PANIC|EMERG|ALERT)\b/,
  severeLevel: 'off',
  severeMaxSeen: Number.POSITIVE_INFINITY,
  newTemplateLevel: 'any',
  rules: [],
  miner: {},
};

interface TemplateStats {
  /** Lines before the current window. */
  seen: number;
  window: number;
  baseline: number;
  windows: number;
  text: string;
  example: string;
}

interface SourceState {
  windowStart: number;
  /** Lines of this source in the current window: a silent window (input down) leaves baselines alone. */
  lines: number;
  windows: number;
  errors: number;
  errorBaseline: number;
  templates: Map<number, TemplateStats>;
}

export class Detector {
  readonly options: DetectorOptions;
  readonly miner: TemplateMiner;
  readonly #sources = new Map<string, SourceState>();
  readonly #rules: Array<PatternRule & { re: RegExp }>;
  lines = 0;
  /** The template of the line last pushed (what an alert about that line refers to). */
  lastTemplateId = 0;

  constructor(options: Partial<DetectorOptions> = {}) {
    this.options = { ...defaultDetectorOptions, ...options };
    this.miner = new TemplateMiner(this.options.miner);
    this.#rules = this.options.rules.map((r) => ({ ...r, re: new RegExp(r.pattern) }));
  }

  // Feeds one line; returns the alerts it raises (window-based ones when its window closes).
  push(event: LogEvent): Alert[] {
    this.lines++;
    const alerts: Alert[] = [];
    const state = this.#state(event);
    alerts.push(...this.#roll(event.source, state, event.ts));
    const { template, created } = this.miner.add(event.line);
    this.lastTemplateId = template.id;
    let stats = state.templates.get(template.id);
    let isNew = false;
    if (!stats) {
      stats = { seen: 0, window: 0, baseline: 0, windows: 0, text: template.text, example: event.line };
      state.templates.set(template.id, stats);
      const error = this.options.errorPattern.test(event.line);
      if (created && state.windows >= this.options.warmupWindows && (error || this.options.newTemplateLevel === 'any')) {
        isNew = true;
        alerts.push(
          this.#alert(
            'NewLogTemplate',
            error ? 'critical' : 'warning',
            event,
            `new log template in ${event.source}`,
            template.text,
            `new:${template.id}`,
          ),
        );
      }
    }
    const o = this.options;
    if (
      o.severeLevel !== 'off' &&
      !isNew &&
      stats.seen + stats.window < o.severeMaxSeen &&
      (o.severeLevel === 'error' ? o.errorPattern : o.criticalPattern).test(event.line)
    ) {
      alerts.push(
        this.#alert(
          'SevereLogLine',
          'critical',
          event,
          `${o.severeLevel}-level line in ${event.source}`,
          template.text,
          `severe:${template.id}`,
        ),
      );
    }
    stats.window++;
    state.lines++;
    stats.text = template.text;
    if (this.options.errorPattern.test(event.line)) state.errors++;
    for (const rule of this.#rules) {
      if (rule.re.test(event.line))
        alerts.push(
          this.#alert('LogPatternMatch', rule.severity, event, `${rule.name} in ${event.source}`, template.text, `rule:${rule.name}`, {
            rule: rule.name,
          }),
        );
    }
    return alerts;
  }

  // Closes every window that ended before `now` (call on a timer when input is quiet).
  flush(now: number): Alert[] {
    const alerts: Alert[] = [];
    for (const [source, state] of this.#sources) alerts.push(...this.#roll(source, state, now));
    return alerts;
  }

  #state(event: LogEvent): SourceState {
    let s = this.#sources.get(event.source);
    if (!s) {
      s = {
        windowStart: event.ts - (event.ts % this.options.windowMs),
        lines: 0,
        windows: 0,
        errors: 0,
        errorBaseline: 0,
        templates: new Map(),
      };
      this.#sources.set(event.source, s);
    }
    return s;
  }

  #roll(source: string, s: SourceState, now: number): Alert[] {
    const alerts: Alert[] = [];
    const o = this.options;
    while (now >= s.windowStart + o.windowMs) {
      const end = s.windowStart + o.windowMs;
      if (s.lines === 0) {
        // Nothing from this source: its input was quiet or down; baselines stay as they were.
        s.windowStart = now >= end + 10 * o.windowMs ? now - (now % o.windowMs) : end;
        continue;
      }
      const warm = s.windows >= o.warmupWindows;
      for (const [id, t] of s.templates) {
        const ev = { source, line: t.example, ts: end };
        if (warm && t.window >= o.burstMinCount && t.seen < o.rareMaxSeen && t.seen > 0) {
          alerts.push(
            this.#alert(
              'RareTemplateBurst',
              'warning',
              ev,
              `rare template seen ${t.window} times in ${o.windowMs / 1000}s (${t.seen} before) in ${source}`,
              t.text,
              `burst:${id}`,
              { count: String(t.window) },
            ),
          );
        } else if (
          warm &&
          t.seen >= o.rareMaxSeen &&
          t.window >= o.spikeMinCount &&
          t.window > o.spikeFactor * t.baseline + 3 * Math.sqrt(t.baseline)
        ) {
          alerts.push(
            this.#alert(
              'TemplateRateSpike',
              'warning',
              ev,
              `template rate ${t.window}/window against a baseline of ${t.baseline.toFixed(1)} in ${source}`,
              t.text,
              `spike:${id}`,
              { count: String(t.window), baseline: t.baseline.toFixed(1) },
            ),
          );
        }
        t.baseline = t.windows === 0 ? t.window : o.alpha * t.window + (1 - o.alpha) * t.baseline;
        t.windows++;
        t.seen += t.window;
        t.window = 0;
      }
      if (warm && s.errors >= o.errorMinCount && s.errors > o.errorFactor * s.errorBaseline + 3 * Math.sqrt(s.errorBaseline)) {
        alerts.push(
          this.#alert(
            'ErrorSurge',
            'critical',
            { source, line: '', ts: end },
            `${s.errors} error lines in ${o.windowMs / 1000}s against a baseline of ${s.errorBaseline.toFixed(1)} in ${source}`,
            undefined,
            'errors',
            { count: String(s.errors) },
          ),
        );
      }
      s.errorBaseline = s.windows === 0 ? s.errors : o.alpha * s.errors + (1 - o.alpha) * s.errorBaseline;
      s.errors = 0;
      s.lines = 0;
      s.windows++;
      s.windowStart = end;
    }
    return alerts;
  }

  #alert(
    name: string,
    severity: Severity,
    event: LogEvent,
    summary: string,
    template: string | undefined,
    key: string,
    labels: Record<string, string> = {},
  ): Alert {
    return {
      name,
      severity,
      source: event.source,
      summary,
      labels: { alertname: name, severity, source: event.source, ...labels },
      template,
      example: event.line || undefined,
      at: event.ts,
      fingerprint: `${name}|${event.source}|${key}`,
    };
  }
}
