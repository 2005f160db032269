// Between detection and the sinks: deduplicate (same fingerprint within a period), group (per
// alertname and source, flushed together), and rate-limit (a token bucket per sink).
import type { Alert } from './types.ts';

export interface Sink {
  name: string;
  send(alerts: Alert[]): Promise<void>;
}

export interface NotifierOptions {
  dedupMs: number;
  /** Notifications (groups) per minute, per sink. */
  perMinute: number;
  now?: () => number;
}

export interface NotifierStats {
  raised: number;
  deduplicated: number;
  sent: number;
  dropped: number;
  failed: number;
}

export class Notifier {
  readonly stats: NotifierStats = { raised: 0, deduplicated: 0, sent: 0, dropped: 0, failed: 0 };
  readonly #sinks: Sink[];
  readonly #options: NotifierOptions;
  readonly #lastSent = new Map<string, number>();
  readonly #pending = new Map<string, Alert[]>();
  readonly #tokens = new Map<string, { tokens: number; at: number }>();
  readonly #errors: Array<(sink: string, error: unknown) => void> = [];

  constructor(sinks: Sink[], options: Partial<NotifierOptions> = {}) {
    this.#sinks = sinks;
    this.#options = { dedupMs: 15 * 60_000, perMinute: 10, ...options };
  }

  onError(fn: (sink: string, error: unknown) => void): void {
    this.#errors.push(fn);
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  add(alerts: Alert[]): void {
    const now = this.#now();
    for (const a of alerts) {
      this.stats.raised++;
      const last = this.#lastSent.get(a.fingerprint);
      if (last !== undefined && now - last < this.#options.dedupMs) {
        this.stats.deduplicated++;
        continue;
      }
      this.#lastSent.set(a.fingerprint, now);
      const group = `${a.name}|${a.source}`;
      this.#pending.set(group, [...(this.#pending.get(group) ?? []), a]);
    }
    if (this.#lastSent.size > 100_000) {
      for (const [k, t] of this.#lastSent) if (now - t >= this.#options.dedupMs) this.#lastSent.delete(k);
    }
  }

  #take(sink: string, now: number): boolean {
    const b = this.#tokens.get(sink) ?? { tokens: this.#options.perMinute, at: now };
    b.tokens = Math.min(this.#options.perMinute, b.tokens + ((now - b.at) / 60_000) * this.#options.perMinute);
    b.at = now;
    this.#tokens.set(sink, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  // Sends each pending group to every sink that has a token left.
  async flush(): Promise<void> {
    const groups = [...this.#pending.values()];
    this.#pending.clear();
    const now = this.#now();
    for (const group of groups) {
      for (const sink of this.#sinks) {
        if (!this.#take(sink.name, now)) {
          this.stats.dropped += group.length;
          continue;
        }
        try {
          await sink.send(group);
          this.stats.sent += group.length;
        } catch (error) {
          this.stats.failed += group.length;
          for (const fn of this.#errors) fn(sink.name, error);
        }
      }
    }
  }
}
