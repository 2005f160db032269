// A service's health test: every probe passes, polled to the service's deadline.
import type { HealthSpec } from '@homelab/model';
import { poll, type PollOptions } from './poller.ts';
import { runProbe, type ProbeTarget } from './probes.ts';

export interface HealthReport {
  healthy: boolean;
  /** What the last try saw: one line per probe, or the reason it is not ready. */
  detail: string[];
  attempts: number;
  seconds: number;
}

// One pass over all probes; the first that is not ready stops the pass.
export async function probeOnce(spec: HealthSpec, target: ProbeTarget): Promise<string[]> {
  const seen: string[] = [];
  for (const probe of spec.probes) seen.push(await runProbe(probe, target));
  return seen;
}

export async function runHealthTest(spec: HealthSpec, target: ProbeTarget, options: Partial<PollOptions> = {}): Promise<HealthReport> {
  const started = Date.now();
  const result = await poll(() => probeOnce(spec, target), {
    timeoutMs: spec.timeoutSeconds * 1000,
    intervalMs: spec.intervalSeconds * 1000,
    ...options,
  });
  const seconds = (Date.now() - started) / 1000;
  return result.ok
    ? { healthy: true, detail: result.value, attempts: result.attempts, seconds }
    : { healthy: false, detail: [result.reason], attempts: result.attempts, seconds };
}
