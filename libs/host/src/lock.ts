// The host lock: a directory made atomically with mkdir, holding who took it and when.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockHeldError } from './errors.ts';
import type { Executor } from './executor.ts';
import { quote } from './shell.ts';

export interface LockHolder {
  token: string;
  holder: string;
  hostname: string;
  pid: number;
  command: string;
  startedAt: string;
}

export interface LockState {
  held: boolean;
  holder: LockHolder | undefined;
  /** Seconds since the lock directory was made. */
  ageSeconds: number | undefined;
}

export function lockDir(deployRoot: string): string {
  return `${deployRoot}/.homelab.lock`;
}

// Pure: try to take the lock; prints ACQUIRED, or HELD then the age and holder file.
export function acquireScript(deployRoot: string): string {
  const dir = quote(lockDir(deployRoot));
  return `mkdir -p ${quote(deployRoot)} && if mkdir ${dir} 2>/dev/null; then cat > ${dir}/holder.json && echo ACQUIRED; else echo HELD; echo "age=$(( $(date +%s) - $(stat -c %Y ${dir} 2>/dev/null || date +%s) ))"; cat ${dir}/holder.json 2>/dev/null; fi`;
}

// Pure: release only a lock we hold (the token matches).
export function releaseScript(deployRoot: string, token: string): string {
  const dir = quote(lockDir(deployRoot));
  return `if grep -q ${quote(`"token":"${token}"`)} ${dir}/holder.json 2>/dev/null; then rm -rf ${dir}; fi`;
}

export function forceReleaseScript(deployRoot: string): string {
  return `rm -rf ${quote(lockDir(deployRoot))}`;
}

export function statusScript(deployRoot: string): string {
  const dir = quote(lockDir(deployRoot));
  return `if [ -d ${dir} ]; then echo HELD; echo "age=$(( $(date +%s) - $(stat -c %Y ${dir}) ))"; cat ${dir}/holder.json 2>/dev/null; else echo FREE; fi`;
}

export function parseLockOutput(output: string): LockState {
  if (!output.startsWith('HELD')) return { held: false, holder: undefined, ageSeconds: undefined };
  const age = output.match(/^age=(\d+)/m)?.[1];
  const json = output.slice(output.indexOf('{'));
  let holder: LockHolder | undefined;
  try {
    holder = output.includes('{') ? (JSON.parse(json) as LockHolder) : undefined;
  } catch {
    holder = undefined;
  }
  return { held: true, holder, ageSeconds: age === undefined ? undefined : Number(age) };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A lock is stale when its holder process on this machine is gone, or it is older than maxAge.
export function isStale(state: LockState, maxAgeSeconds: number, localHostname = hostname()): boolean {
  if (!state.held) return false;
  if (!state.holder) return (state.ageSeconds ?? 0) > 30; // cut between mkdir and writing the holder
  if (state.holder.hostname === localHostname && !pidAlive(state.holder.pid)) return true;
  return (state.ageSeconds ?? 0) > maxAgeSeconds;
}

export interface AcquireOptions {
  command: string;
  /** How long to wait for another holder; 0 fails at once. */
  waitMs: number;
  staleAfterSeconds?: number;
  onWait?: (holder: LockHolder | undefined) => void;
}

export class HostLock {
  readonly #executor: Executor;
  readonly #deployRoot: string;
  #token: string | undefined;

  constructor(executor: Executor, deployRoot: string) {
    this.#executor = executor;
    this.#deployRoot = deployRoot;
  }

  async acquire(options: AcquireOptions): Promise<void> {
    const holder: LockHolder = {
      token: randomUUID(),
      holder: `${userInfo().username}@${hostname()}`,
      hostname: hostname(),
      pid: process.pid,
      command: options.command,
      startedAt: new Date().toISOString(),
    };
    const started = Date.now();
    let interval = 250;
    let told = false;
    for (;;) {
      const out = await this.#executor.sh(acquireScript(this.#deployRoot), {
        input: JSON.stringify(holder),
        display: 'take the host lock',
      });
      if (out.stdout.startsWith('ACQUIRED')) {
        this.#token = holder.token;
        return;
      }
      const state = parseLockOutput(out.stdout);
      if (isStale(state, options.staleAfterSeconds ?? 3600)) {
        await this.#executor.sh(forceReleaseScript(this.#deployRoot), { display: 'clear a stale host lock' });
        continue;
      }
      if (Date.now() - started >= options.waitMs)
        throw new LockHeldError(this.#executor.host, state.holder, Math.round((Date.now() - started) / 1000));
      if (!told) options.onWait?.(state.holder);
      told = true;
      await sleep(interval);
      interval = Math.min(interval * 1.5, 2000);
    }
  }

  async release(): Promise<void> {
    if (!this.#token) return;
    await this.#executor.sh(releaseScript(this.#deployRoot, this.#token), { display: 'release the host lock' });
    this.#token = undefined;
  }
}

export async function lockStatus(executor: Executor, deployRoot: string): Promise<LockState> {
  return parseLockOutput((await executor.sh(statusScript(deployRoot), { display: 'read the host lock' })).stdout);
}

export async function forceRelease(executor: Executor, deployRoot: string): Promise<void> {
  await executor.sh(forceReleaseScript(deployRoot), { display: 'release the host lock' });
}
