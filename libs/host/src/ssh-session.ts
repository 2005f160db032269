// One remote shell per host that runs script after script, so that each step after the first costs the
// script's own time and not a new SSH session: a session is a login shell (its rc files: 0.1 s of
// `pyenv init` in a root .bashrc is common) and a channel set-up on every command, even over a shared
// connection. Framing: a header line "<script bytes> <input bytes>", the script, its input and the
// session's marker (a random token no script prints) on a line; the host answers on stdout and on
// stderr, each ended by the marker.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { CommandResult } from './executor.ts';
import { quote } from './shell.ts';

/**
 * The loop's exit code when it cannot run on the host (no GNU head, no printf builtin, no marker to read):
 * nothing ran, and that host gets one ssh per script instead.
 */
export const sessionUnusable = 97;

/** What the loop prints on both streams once it runs (after the login shell's rc files). */
export const sessionReady = '--homelab-session-ready--';

// Pure: the remote loop, in POSIX sh. It needs GNU head, which reads exactly the bytes asked for from a
// pipe (BusyBox's reads ahead and would swallow the next frame), and a printf builtin (input must never
// be an argument); without them it exits before reading anything. Then it says it is ready, on both
// streams: what the rc files printed before is no script's output, and nothing was written that they
// could read. Its first line of input is the session's marker (on stdin, so that no process list shows
// it and no script can print it by chance). Per frame:
// - the script and its input are read whole, and run only if the marker follows them: a frame cut short
//   (the client gone in the middle of writing it) runs nothing, instead of a prefix of its text;
// - the script runs in its own `sh -c` (as the local transport runs it) with exactly its input on stdin;
// - its stdout and stderr go through a `cat` each, so the loop goes on only when every process that holds
//   them (one the script left in the background too) has closed them, as a single ssh waits for them;
// - then the markers, the exit code on stdout.
export function sessionDriver(): string {
  const unusable = (why: string) => `{ echo "homelab: ${why}: one ssh per script" >&2; exit ${sessionUnusable}; }`;
  return [
    `head --version 2>/dev/null | grep -q '^head (GNU coreutils)' || ${unusable("the host's head is not GNU head")}`,
    // A builtin printf works without a PATH (a test of what it does, not of `command -V`'s words, which are translated).
    `(PATH=/nonexistent; printf '') 2>/dev/null || ${unusable('the sh has no printf builtin')}`,
    'exec 4>&1 5>&2',
    `echo ${sessionReady}; echo ${sessionReady} >&2`,
    `IFS= read -r K || exit ${sessionUnusable}`,
    'while IFS= read -r h; do',
    '  n=${h%% *}; m=${h#* }',
    '  s=$(head -c "$n"; echo .); i=$(head -c "$m"; echo .)',
    '  IFS= read -r t && [ "$t" = "$K" ] || exit 98',
    '  r=$( { { { printf %s "${i%.}" | sh -c "${s%.}" 3>&- 4>&- 5>&-; echo $? >&3; } | cat >&4; } 2>&1 | cat >&5; } 3>&1 )',
    `  printf '%s:%s\\n' "$K" "\${r:-255}"`,
    `  printf '%s\\n' "$K" >&2`,
    'done',
  ].join('\n');
}

// Pure: what is written to the loop for one script.
export function sessionFrame(script: string, input: string, marker: string): string {
  return `${Buffer.byteLength(script)} ${Buffer.byteLength(input)}\n${script}${input}${marker}\n`;
}

// Pure: what the loop cannot carry (a shell variable holds no NUL byte): such a script gets its own ssh.
export function sessionCarries(script: string, input = ''): boolean {
  return !script.includes('\0') && !input.includes('\0');
}

/** Where the search for an answer goes on from, in each stream. */
export interface AnswerSearch {
  out: number;
  err: number;
}

// Pure: the loop's answer to a script in what has come so far: its stdout and stderr (what came before the
// markers), its exit code, and what is left of each stream; or, until both markers are in, where to go on
// searching (a long output comes in many chunks; each is searched once). A marker followed by anything but
// ":<exit code>\n" is not the loop's (a script printed it): it is part of the output.
export function sessionAnswer(
  out: string,
  err: string,
  marker: string,
  from: AnswerSearch = { out: 0, err: 0 },
): { result: CommandResult; out: string; err: string } | { from: AnswerSearch } {
  const tail = marker.length + 16;
  let at = out.indexOf(marker, from.out);
  let status: RegExpExecArray | null = null;
  while (at >= 0) {
    const after = out.slice(at + marker.length, at + tail);
    status = /^:(\d+)\n/.exec(after);
    if (status || (!after.includes('\n') && after.length < 16)) break; // the answer, or not all of it yet
    at = out.indexOf(marker, at + 1);
  }
  const end = err.indexOf(`${marker}\n`, from.err);
  if (!status || end < 0)
    return { from: { out: at < 0 ? Math.max(0, out.length - tail) : at, err: end < 0 ? Math.max(0, err.length - tail) : end } };
  return {
    result: { stdout: out.slice(0, at), stderr: err.slice(0, end), exitCode: Number(status[1]) },
    out: out.slice(at + marker.length + status[0].length),
    err: err.slice(end + marker.length + 1),
  };
}

export interface SessionResult extends CommandResult {
  timedOut: boolean;
}

// A running remote loop behind one `ssh` process. One script at a time: `busy` says when it is running one.
export class SshSession {
  readonly #marker = `--homelab-${randomBytes(12).toString('hex')}--`;
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  #out = '';
  #err = '';
  /** Where the search for the markers goes on from. */
  #seen = { out: 0, err: 0 };
  #pending?: { done: (r: SessionResult) => void; timer?: NodeJS.Timeout };
  /** No new script: close() was called (the input ends once a running script is done). */
  #ended = false;
  /** The loop said it is ready; until then a script's frame waits here. */
  #ready = false;
  #queued?: string;
  /** Not ready in time (rc files that read stdin or close stderr): the host gets one ssh per script. */
  #stalled = false;
  /** The ssh process's own exit code once it ended (null: killed). */
  #code?: number | null;
  #ran = false;
  #idle?: NodeJS.Timeout;
  readonly #readyTimer: NodeJS.Timeout;
  readonly #idleMs: number;

  /**
   * `command` and `args`: the ssh client and its argv up to the remote command; `prefix` runs first there.
   * The session ends after `idleMs` without a script, and is given up when the loop is not ready after
   * `readyMs` (the connection, the login and the rc files).
   */
  constructor(command: string, args: readonly string[], prefix: string, options: { idleMs?: number; readyMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? 15_000;
    // node's own spawn, not execa: an idle session must be unref'd (execa's subprocess cannot be).
    this.#child = spawn(command, [...args, '--', `${prefix}exec sh -c ${quote(sessionDriver())}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, as every ssh we start: Ctrl-C reaches the CLI, not the step on the host.
      detached: true,
    });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stderr.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      this.#out += chunk;
      this.#settle();
    });
    this.#child.stderr.on('data', (chunk: string) => {
      this.#err += chunk;
      this.#settle();
    });
    this.#child.stdin.on('error', () => undefined); // a write to a session that died: its exit says why
    this.#child.on('error', (error) => {
      this.#err += `${error.message}\n`;
    });
    // 'close': the process ended and its output was read to the end.
    this.#child.on('close', (code) => {
      clearTimeout(this.#readyTimer);
      this.#code = code;
      // Killed, never started, or ended in the middle of a script: what a single ssh reports as 255.
      this.#finish({ stdout: this.#out, stderr: this.#err, exitCode: code !== null && code > 0 ? code : 255, timedOut: false });
    });
    // Output that came while this process was busy is read first (I/O comes after timers in a turn).
    this.#readyTimer = setTimeout(
      () =>
        setImmediate(() => {
          if (this.#ready || this.#exited) return;
          this.#stalled = true;
          this.kill();
        }),
      options.readyMs ?? 20_000,
    );
    this.#readyTimer.unref();
    this.#hold(false);
  }

  /** False once the session ended (closed, lost, or timed out): a new one is needed. */
  get #exited(): boolean {
    return this.#code !== undefined;
  }

  get open(): boolean {
    return !this.#exited && !this.#ended;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * The host cannot run the loop: it ended saying so, or before it was ready (the rc files closed a
   * stream it needs), or was not ready in time. Nothing ran in it; its scripts need one ssh each.
   */
  get unusable(): boolean {
    if (this.#code === sessionUnusable || this.#stalled) return true;
    // Ended before it was ready, not by ssh (255: the connection or the login failed) nor by us (killed).
    return !this.#ready && this.#exited && this.#code !== null && this.#code !== 255;
  }

  // Runs one script; a lost session gives ssh's own exit code and message (255), as a single ssh would.
  run(script: string, input = '', timeoutMs?: number): Promise<SessionResult> {
    if (this.busy || !this.open) throw new Error('an SSH session runs one script at a time, while it is open');
    clearTimeout(this.#idle);
    this.#ran = true;
    this.#hold(true);
    return new Promise((done) => {
      const timer = timeoutMs
        ? setTimeout(() => {
            this.#finish({ stdout: this.#out, stderr: this.#err, exitCode: 124, timedOut: true });
            this.kill();
          }, timeoutMs)
        : undefined;
      this.#pending = { done, timer };
      const frame = sessionFrame(script, input, this.#marker);
      if (this.#ready) this.#child.stdin.write(frame);
      else this.#queued = frame;
    });
  }

  /**
   * Ends the remote loop by the end of its input, once a running script is done (its result still comes,
   * and keeps this process alive until it does). One that never ran a script is ended at once.
   */
  close(): void {
    clearTimeout(this.#idle);
    this.#ended = true;
    if (this.#pending) return;
    if (!this.#ran && !this.#exited) this.#child.kill('SIGKILL');
    this.#endInput();
  }

  /** Ends it now (a hung or dead link). */
  kill(): void {
    this.#child.kill('SIGKILL');
    this.close();
  }

  #endInput(): void {
    if (!this.#exited) this.#child.stdin.end();
    this.#hold(false);
  }

  // Both markers seen: the script's output is what came before them.
  #settle(): void {
    if (!this.#ready && !this.#started()) return;
    if (!this.#pending) return;
    const answer = sessionAnswer(this.#out, this.#err, this.#marker, this.#seen);
    if ('from' in answer) {
      this.#seen = answer.from;
      return;
    }
    this.#out = answer.out;
    this.#err = answer.err;
    this.#seen = { out: 0, err: 0 };
    this.#finish({ ...answer.result, timedOut: false });
  }

  // The loop's "ready" on both streams: what came before it (the rc files' words) is no script's output.
  // Then the marker goes first, and the frame that waited.
  #started(): boolean {
    if (this.#stalled || this.#exited) return false; // given up: nothing is written to it any more
    const ready = `${sessionReady}\n`;
    const out = this.#out.indexOf(ready);
    const err = this.#err.indexOf(ready);
    if (out < 0 || err < 0) return false;
    clearTimeout(this.#readyTimer);
    this.#out = this.#out.slice(out + ready.length);
    this.#err = this.#err.slice(err + ready.length);
    this.#ready = true;
    this.#child.stdin.write(`${this.#marker}\n${this.#queued ?? ''}`);
    this.#queued = undefined;
    return true;
  }

  #finish(result: SessionResult): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (this.#ended) this.#endInput();
    else if (this.open) {
      this.#hold(false);
      this.#idle = setTimeout(() => this.close(), this.#idleMs);
      this.#idle.unref();
    } else this.#hold(false);
    pending.done(result);
  }

  // An idle session never keeps this process alive: at its exit the session's input ends and the loop with it.
  #hold(running: boolean): void {
    for (const handle of [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr] as {
      ref(): void;
      unref(): void;
    }[])
      running ? handle.ref() : handle.unref();
  }
}
