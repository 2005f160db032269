// The host lock: a directory made atomically with mkdir, holding who took it and when.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockError, LockHeldError } from './errors.ts';
import type { Executor } from './executor.ts';
import { quote } from './shell.ts';

export interface LockHolder {
  token: string;
  holder: string;
  hostname: string;
  pid: number;
  command: string;
  startedAt: string;
  /** Why it is held, shown to whoever meets the lock (`homelab lock acquire -m`). */
  message?: string;
  /** Taken by hand (`homelab lock acquire`): held until `homelab lock release`, never taken over as stale. */
  manual?: boolean;
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

// Prints HELD, the lock's age and its holder file (when there is one); never fails.
function heldReport(dir: string): string {
  return `echo HELD; echo "age=$(( $(date +%s) - $(stat -c %Y ${dir} 2>/dev/null || date +%s) ))"; cat ${dir}/holder.json 2>/dev/null || true`;
}

// The test that the lock in `dir` (quoted) is held with `token`: its holder file names it.
function heldWith(dir: string, token: string): string {
  return `grep -q ${quote(`"token":"${token}"`)} ${dir}/holder.json 2>/dev/null`;
}

// Makes the lock directory and writes the holder (from stdin: all of it, or its first `holderBytes`
// when more follows for `then`) into it; a write that fails (disk full, read-only, permission) removes
// the directory again and prints FAILED with the reason. `then` runs right after the lock is taken, in
// the same round trip, in a subshell: its output follows ACQUIRED and its exit status is not the
// script's (it reports through what it prints).
function takeScript(dir: string, then = '', holderBytes?: number): string {
  const after = then ? `; (\n${then}\n) || true` : '';
  const read = holderBytes === undefined ? 'cat' : `head -c ${holderBytes}`;
  return `if mkdir ${dir} 2>/dev/null; then if err=$(${read} 2>&1 > ${dir}/holder.json); then echo ACQUIRED${after}; else rm -rf ${dir}; echo "FAILED $err"; fi; else ${heldReport(dir)}; fi`;
}

// Pure: try to take the lock; prints ACQUIRED (then what `then` prints), HELD (age, holder file) or
// FAILED with the reason. A deploy root that cannot be made fails the script with mkdir's own words.
export function acquireScript(deployRoot: string, then = '', holderBytes?: number): string {
  return `mkdir -p ${quote(deployRoot)} && ${takeScript(quote(lockDir(deployRoot)), then, holderBytes)}`;
}

// Pure: take over a stale lock atomically. Under flock on a guard file, only if the lock is still the
// one judged stale (the same holder token, or still no holder file): remove it and take it; otherwise
// report who holds it now. Two processes taking over the same stale lock: one gets it.
export function takeoverScript(deployRoot: string, staleToken: string | undefined, then = ''): string {
  const dir = quote(lockDir(deployRoot));
  const same = staleToken === undefined ? `[ ! -e ${dir}/holder.json ]` : heldWith(dir, staleToken);
  const body = `if [ -d ${dir} ] && ${same}; then rm -rf ${dir}; fi; ${takeScript(dir, then)}`;
  return `flock ${quote(`${deployRoot}/.homelab.lock.guard`)} sh -c ${quote(body)}`;
}

// Pure: release only a lock we hold (the token matches).
export function releaseScript(deployRoot: string, token: string): string {
  const dir = quote(lockDir(deployRoot));
  return `if ${heldWith(dir, token)}; then rm -rf ${dir}; fi`;
}

// Pure: `script` only while the lock is held with `token`, then the lock's release when it succeeded
// (printing --released--; a failure keeps the lock for the caller to release); exits with its status.
// A lock no longer held with the token runs `lost` instead: a round trip retried after its first run
// released the lock already, or a lock taken over as stale meanwhile. Either way nothing is written
// under another's lock.
export function whileHeldScript(deployRoot: string, token: string, script: string, lost: string): string {
  const dir = quote(lockDir(deployRoot));
  return [
    `if ${heldWith(dir, token)}; then`,
    `(\n${script}\n)`,
    'rc=$?',
    `if [ "$rc" -eq 0 ]; then rm -rf ${dir}; echo '--released--'; fi`,
    'exit $rc',
    'fi',
    lost,
  ].join('\n');
}

export function forceReleaseScript(deployRoot: string): string {
  return `rm -rf ${quote(lockDir(deployRoot))}`;
}

export function statusScript(deployRoot: string): string {
  const dir = quote(lockDir(deployRoot));
  return `if [ -d ${dir} ]; then ${heldReport(dir)}; else echo FREE; fi`;
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
  if (state.holder.manual) return false;
  if (state.holder.hostname === localHostname && !pidAlive(state.holder.pid)) return true;
  return (state.ageSeconds ?? 0) > maxAgeSeconds;
}

/** A lock whose holder is not known to be gone goes stale after this long. */
export const staleLockSeconds = 3600;

export interface AcquireOptions {
  command: string;
  message?: string;
  manual?: boolean;
  /** How long to wait for another holder; 0 fails at once. */
  waitMs: number;
  staleAfterSeconds?: number;
  onWait?: (holder: LockHolder | undefined) => void;
  /** Told when a stale lock (its holder gone, or too old) is taken over. */
  onTakeover?: (holder: LockHolder | undefined, ageSeconds: number | undefined) => void;
  /** Stops waiting for another holder when aborted (and, with `manual`, trying a lost connection again). */
  signal?: AbortSignal;
  /**
   * Run on the host as soon as the lock is taken, in the same round trip (a read under the lock).
   * `input` follows the holder on stdin, on the first try only: later tries (the lock was held, or
   * stale and taken over) run `retry` instead, so that a payload is not sent again with every try.
   */
  thenRun?: { script: string; input?: string; retry?: string };
}

export class HostLock {
  readonly #executor: Executor;
  readonly #deployRoot: string;
  #token: string | undefined;

  constructor(executor: Executor, deployRoot: string) {
    this.#executor = executor;
    this.#deployRoot = deployRoot;
  }

  /**
   * Takes the lock, waiting for another holder up to `waitMs` and taking over a stale one. Returns what
   * `options.thenRun` printed when it ran under the lock in the taking round trip (its stdout, and the
   * round trip's stderr); undefined when it did not run (no `thenRun`, or the lock turned out to be ours
   * already after a lost connection): run it yourself.
   */
  async acquire(options: AcquireOptions): Promise<{ stdout: string; stderr: string } | undefined> {
    const holder: LockHolder = {
      token: randomUUID(),
      holder: `${userInfo().username}@${hostname()}`,
      hostname: hostname(),
      pid: process.pid,
      command: options.command,
      startedAt: new Date().toISOString(),
      ...(options.message ? { message: options.message } : {}),
      ...(options.manual ? { manual: true } : {}),
    };
    const started = Date.now();
    let interval = 250;
    let told = false;
    const first = options.thenRun;
    const then = first?.retry ?? first?.script ?? '';
    const holderText = JSON.stringify(holder);
    let input = holderText + (first?.input ?? '');
    let script = acquireScript(this.#deployRoot, first?.script ?? '', first?.input ? Buffer.byteLength(holderText) : undefined);
    for (;;) {
      // A lock taken by hand stops trying a lost connection once the operator stops the command (it has
      // no release to finish, and says which host may be held). A transition's lock keeps trying, so that
      // a lock taken before the link dropped is found again as its own and released at the end.
      const out = await this.#executor.sh(script, {
        input,
        display: 'take the host lock',
        allowFailure: true,
        signal: options.manual ? options.signal : undefined,
      });
      if (out.exitCode !== 0)
        throw new LockError(this.#executor.host, this.#deployRoot, out.stderr.trim() || `exit code ${out.exitCode}`, out.exitCode);
      script = acquireScript(this.#deployRoot, then);
      input = holderText;
      if (out.stdout.startsWith('ACQUIRED')) {
        this.#token = holder.token;
        return first ? { stdout: out.stdout.slice(out.stdout.indexOf('\n') + 1), stderr: out.stderr } : undefined;
      }
      if (out.stdout.startsWith('FAILED')) throw new LockError(this.#executor.host, this.#deployRoot, out.stdout.slice(7).trim());
      const state = parseLockOutput(out.stdout);
      // Ours: the connection was lost after the lock was taken and the step was run again.
      if (state.holder?.token === holder.token) {
        this.#token = holder.token;
        return undefined;
      }
      if (isStale(state, options.staleAfterSeconds ?? staleLockSeconds)) {
        options.onTakeover?.(state.holder, state.ageSeconds);
        script = takeoverScript(this.#deployRoot, state.holder?.token, then);
        continue;
      }
      if (Date.now() - started >= options.waitMs || options.signal?.aborted)
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
    this.released();
  }

  /**
   * The caller's last round trip while it holds the lock: `script`, then the lock's release (see
   * whileHeldScript); undefined when the lock is not held. Call released() once it ran to its end.
   */
  lastStep(script: string, lost: string): string | undefined {
    return this.#token ? whileHeldScript(this.#deployRoot, this.#token, script, lost) : undefined;
  }

  /** Says that a script from lastStep() ran to its end: release() has nothing left to do. */
  released(): void {
    this.#token = undefined;
  }
}

export async function lockStatus(executor: Executor, deployRoot: string): Promise<LockState> {
  return parseLockOutput((await executor.sh(statusScript(deployRoot), { display: 'read the host lock', retryConnection: false })).stdout);
}

export async function forceRelease(executor: Executor, deployRoot: string): Promise<void> {
  await executor.sh(forceReleaseScript(deployRoot), { display: 'release the host lock' });
}
