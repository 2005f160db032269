// Polls a check to a deadline, waiting longer each time; retries only on NotReadyError.
import { setTimeout as sleep } from 'node:timers/promises';
import { NotReadyError } from './errors.ts';

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Each wait is the previous one times this, up to maxIntervalMs. */
  factor?: number;
  maxIntervalMs?: number;
  onRetry?: (attempt: number, reason: string) => void;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export type PollResult<T> = { ok: true; value: T; attempts: number } | { ok: false; reason: string; attempts: number };

export async function poll<T>(check: () => Promise<T>, options: PollOptions): Promise<PollResult<T>> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? sleep;
  const deadline = now() + options.timeoutMs;
  let interval = options.intervalMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await check(), attempts: attempt };
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      const remaining = deadline - now();
      if (remaining <= 0) return { ok: false, reason: error.message, attempts: attempt };
      options.onRetry?.(attempt, error.message);
      await wait(Math.min(interval, remaining));
      interval = Math.min(interval * (options.factor ?? 1.5), options.maxIntervalMs ?? 10_000);
    }
  }
}
