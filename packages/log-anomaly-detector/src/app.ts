// The detector as a service: inputs -> detector -> notifier -> sinks, with /metrics and /health.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { parse } from 'yaml';
import { Detector, type DetectorOptions } from './detect/detector.ts';
import { Notifier, type Sink } from './detect/notifier.ts';
import type { Alert, LogEvent, PatternRule } from './detect/types.ts';
import { followDocker, type DockerOptions } from './io/docker.ts';
import { followFile, readStdin, type Follower } from './io/files.ts';
import { queryRange, tail, type LokiOptions } from './io/loki.ts';
import { alertmanagerSink, discordSink, slackSink } from './io/sinks.ts';
import { startServer } from './io/server.ts';
import { defaultRules } from './rules.ts';

export interface AppConfig {
  files: string[];
  stdin: boolean;
  loki: (LokiOptions & { backfillMinutes: number }) | undefined;
  docker: DockerOptions | undefined;
  alertmanagerUrl: string | undefined;
  discordWebhook: string | undefined;
  slackWebhook: string | undefined;
  rules: PatternRule[];
  port: number;
  host: string;
  detector: Partial<DetectorOptions>;
  perMinute: number;
  dedupMinutes: number;
}

// Reads LAD_* variables; webhook URLs are secrets and come only from the environment.
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const rulesFile = env.LAD_RULES;
  const fileRules = rulesFile ? ((parse(readFileSync(rulesFile, 'utf8')) as { rules?: PatternRule[] }).rules ?? []) : [];
  for (const r of fileRules) {
    if (!r.name || !r.pattern || !['info', 'warning', 'critical'].includes(r.severity))
      throw new Error(`${rulesFile}: each rule needs name, pattern and severity (info | warning | critical)`);
    new RegExp(r.pattern);
  }
  // The homelab rules (src/rules.ts) unless LAD_DEFAULT_RULES=0; a file's rule of the same name replaces one.
  const defaults = env.LAD_DEFAULT_RULES === '0' ? [] : defaultRules().filter((d) => !fileRules.some((r) => r.name === d.name));
  const rules = [...defaults, ...fileRules];
  // One of `allowed`, or the variable is named in the error.
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name}=${v}: expected one of ${allowed.join(', ')}`);
    return v as T;
  };
  const newTemplateLevel = oneOf('LAD_NEW_TEMPLATE_LEVEL', ['any', 'error'] as const);
  const severeLevel = oneOf('LAD_SEVERE_LEVEL', ['off', 'error', 'critical'] as const);
  const severeMaxSeen = env.LAD_SEVERE_MAX_SEEN ? Number(env.LAD_SEVERE_MAX_SEEN) : undefined;
  if (severeMaxSeen !== undefined && !(severeMaxSeen > 0))
    throw new Error(`LAD_SEVERE_MAX_SEEN=${env.LAD_SEVERE_MAX_SEEN}: expected a number above 0 (Infinity: always)`);
  return {
    files: list(env.LAD_FILES),
    stdin: env.LAD_STDIN === '1',
    loki: env.LAD_LOKI_URL
      ? { url: env.LAD_LOKI_URL, query: env.LAD_LOKI_QUERY ?? '{job=~".+"}', backfillMinutes: Number(env.LAD_LOKI_BACKFILL_MINUTES ?? 60) }
      : undefined,
    docker: env.LAD_DOCKER_HOST
      ? { socket: env.LAD_DOCKER_HOST, backfillMinutes: Number(env.LAD_DOCKER_BACKFILL_MINUTES ?? 60) }
      : undefined,
    alertmanagerUrl: env.LAD_ALERTMANAGER_URL || undefined,
    discordWebhook: env.LAD_DISCORD_WEBHOOK || undefined,
    slackWebhook: env.LAD_SLACK_WEBHOOK || undefined,
    rules,
    port: Number(env.LAD_PORT ?? 9105),
    host: env.LAD_HOST ?? '0.0.0.0',
    detector: {
      ...(env.LAD_WINDOW_SECONDS ? { windowMs: Number(env.LAD_WINDOW_SECONDS) * 1000 } : {}),
      ...(env.LAD_WARMUP_WINDOWS ? { warmupWindows: Number(env.LAD_WARMUP_WINDOWS) } : {}),
      ...(newTemplateLevel ? { newTemplateLevel } : {}),
      ...(severeLevel ? { severeLevel } : {}),
      ...(severeMaxSeen !== undefined ? { severeMaxSeen } : {}),
      rules,
    },
    perMinute: Number(env.LAD_NOTIFICATIONS_PER_MINUTE ?? 10),
    dedupMinutes: Number(env.LAD_DEDUP_MINUTES ?? 15),
  };
}

export class App {
  readonly detector: Detector;
  readonly notifier: Notifier;
  readonly #config: AppConfig;
  readonly #lines: Record<string, number> = {};
  readonly #alerts: Record<string, number> = {};
  readonly #stops: Array<() => void> = [];
  #server: Server | undefined;
  #timer: NodeJS.Timeout | undefined;
  log: (line: string) => void = (l) => console.error(l);
  /** Resolves when the inputs that start with a listing (Docker) have started. */
  ready: Promise<void> = Promise.resolve();

  constructor(config: AppConfig, sinks?: Sink[]) {
    this.#config = config;
    this.detector = new Detector(config.detector);
    const all = sinks ?? [
      ...(config.alertmanagerUrl ? [alertmanagerSink(config.alertmanagerUrl)] : []),
      ...(config.discordWebhook ? [discordSink(config.discordWebhook)] : []),
      ...(config.slackWebhook ? [slackSink(config.slackWebhook)] : []),
    ];
    this.notifier = new Notifier(all, { perMinute: config.perMinute, dedupMs: config.dedupMinutes * 60_000 });
    this.notifier.onError((sink, e) => this.log(`notification to ${sink} failed: ${(e as Error).message}`));
  }

  push(event: LogEvent): Alert[] {
    this.#lines[event.source] = (this.#lines[event.source] ?? 0) + 1;
    return this.#record(this.detector.push(event));
  }

  #record(alerts: Alert[]): Alert[] {
    for (const a of alerts) this.#alerts[a.name] = (this.#alerts[a.name] ?? 0) + 1;
    this.notifier.add(alerts);
    return alerts;
  }

  async start(): Promise<void> {
    this.#server = await startServer(this.#config.port, this.#config.host, {
      lines: () => this.#lines,
      templates: () => this.detector.miner.size,
      evicted: () => this.detector.miner.evicted,
      alerts: () => this.#alerts,
      notifications: () => this.notifier.stats,
    });
    const push = (e: LogEvent) => void this.push(e);
    for (const f of this.#config.files) {
      const follower: Follower = followFile(f, push);
      this.#stops.push(() => follower.stop());
    }
    if (this.#config.stdin) void readStdin(push);
    if (this.#config.loki) void this.#runLoki(this.#config.loki, push);
    if (this.#config.docker) {
      const docker = followDocker(this.#config.docker, push, (e) => this.log(`docker: ${e.message}`));
      this.#stops.push(() => docker.stop());
      this.ready = docker.ready.catch(() => undefined);
    }
    this.#timer = setInterval(() => {
      this.#record(this.detector.flush(Date.now()));
      void this.notifier.flush();
    }, 1000);
  }

  async #runLoki(loki: LokiOptions & { backfillMinutes: number }, push: (e: LogEvent) => void): Promise<void> {
    const controller = new AbortController();
    this.#stops.push(() => controller.abort());
    const now = Date.now();
    try {
      for await (const e of queryRange(loki, now - loki.backfillMinutes * 60_000, now)) push(e);
    } catch (e) {
      this.log(`loki backfill failed: ${(e as Error).message}`);
    }
    let since = now;
    while (!controller.signal.aborted) {
      try {
        await tail(
          loki,
          since,
          (e) => {
            since = e.ts + 1;
            push(e);
          },
          controller.signal,
        );
      } catch (e) {
        this.log(`loki tail: ${(e as Error).message}; retrying in 5s`);
      }
      if (!controller.signal.aborted) await new Promise((r) => setTimeout(r, 5000));
    }
  }

  get port(): number {
    const a = this.#server?.address();
    return typeof a === 'object' && a ? a.port : this.#config.port;
  }

  async stop(): Promise<void> {
    for (const s of this.#stops) s();
    if (this.#timer) clearInterval(this.#timer);
    await this.notifier.flush();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
