// Connection failures (the link, not the command) are retried with backoff within a bounded window, so
// a network blip of a few seconds does not fail a deploy and a rollback waits for the host to come back.
import { setTimeout as sleep } from 'node:timers/promises';

// What OpenSSH prints (exit code 255) when the connection could not be made or was lost. Authentication
// and host-key failures are not here: retrying them cannot help.
const connectionLost = [
  /connect to host .* (Connection refused|Connection timed out|No route to host|Network is unreachable|Host is unreachable)/i,
  /Connection timed out during banner exchange/i,
  /kex_exchange_identification/i,
  /ssh_exchange_identification/i,
  /Connection (reset|closed) by (peer|remote host)/i,
  /Connection to \S+ closed by remote host/i,
  /Timeout, server \S+ not responding/i,
  /client_loop: send disconnect/i,
  /Broken pipe/i,
  /mux_client_\w+: (read|write) .*failed/i,
  /Could not resolve hostname .*Temporary failure/i,
];
const notTheLink = /Permission denied|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i;

// Pure: true when an ssh run failed because of the connection (worth retrying), not the remote command.
// Exit 255 with nothing on stderr is the client giving up on a dead link: at LogLevel=ERROR it does not
// print "Timeout, server not responding" (our scripts never exit 255 themselves).
export function isConnectionFailure(exitCode: number, stderr: string): boolean {
  if (exitCode !== 255 || notTheLink.test(stderr)) return false;
  return !stderr.trim() || connectionLost.some((re) => re.test(stderr));
}

// Pure: whether an ssh run that failed may have run its script on the host: ssh's own failure (255),
// unless a key or host key was refused (they fail before anything runs, and every try alike). A
// refused or timed-out connect says nothing of an earlier try that was cut off mid-script.
export function mayHaveRun(exitCode: number, stderr: string): boolean {
  return exitCode === 255 && !notTheLink.test(stderr);
}

// Pure: the waits between tries (1, 2, 4, 8, 8... seconds) whose sum stays within the window.
export function retryDelays(windowMs: number, firstMs = 1000, maxMs = 8000): number[] {
  const delays: number[] = [];
  let total = 0;
  for (let next = firstMs; total + next <= windowMs; next = Math.min(next * 2, maxMs)) {
    delays.push(next);
    total += next;
  }
  return delays;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  /** The last line ssh printed, e.g. "ssh: connect to host 10.231.0.2 port 22: No route to host". */
  reason: string;
  windowSeconds: number;
}

// Runs `attempt` and runs it again after each connection failure, waiting by `delays`; the last result
// (success, a command failure, or the last connection failure) is returned. Once `signal` is aborted
// (the operator stopped the command), the next failure is the last: it is not waited for nor tried again.
export async function withConnectionRetry<T extends { exitCode: number; stderr: string }>(
  attempt: () => Promise<T>,
  delays: number[],
  onRetry?: (notice: RetryNotice) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<T> {
  const windowSeconds = Math.round(delays.reduce((a, b) => a + b, 0) / 1000);
  for (let i = 0; ; i++) {
    const result = await attempt();
    const delayMs = delays[i];
    if (delayMs === undefined || signal?.aborted || !isConnectionFailure(result.exitCode, result.stderr)) return result;
    const reason = result.stderr.trim().split('\n').at(-1) ?? '';
    await onRetry?.({ attempt: i + 1, delayMs, reason, windowSeconds });
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) return result;
  }
}
