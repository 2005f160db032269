// The SSH executor's remote shell for real, with a stand-in `ssh` that runs the remote command in a local
// `sh` (as sshd runs it in the login shell) and logs each start: the driver, the framing, losing and
// ending sessions, all on this machine.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { host } from '@homelab/model/testing';
import { SshError } from './errors.ts';
import { SshExecutor, type SshExecutorOptions } from './ssh-executor.ts';
import { sessionAnswer, sessionDriver, sessionFrame, SshSession } from './ssh-session.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A stand-in OpenSSH client: `-O exit` does nothing; otherwise it logs a start, writes its pid (a test
// kills it as a lost link would), runs `login` (what a login shell's rc files would) and runs what follows `--`.
function standIn(login = '') {
  const dir = mkdtempSync(join(tmpdir(), 'homelab-ssh-session-'));
  dirs.push(dir);
  const ssh = join(dir, 'ssh');
  writeFileSync(
    ssh,
    [
      '#!/bin/sh',
      'for a; do [ "$a" = -O ] && exit 0; done',
      'while [ "$1" != -- ]; do shift; done; shift',
      `echo start >> ${dir}/starts`,
      `echo $$ > ${dir}/pid`,
      login,
      'exec sh -c "$1"',
    ].join('\n'),
  );
  chmodSync(ssh, 0o755);
  const spec = host('ocean', {
    address: '127.0.0.1',
    ssh: { user: 'root', port: 22, identityFile: '/k/id', knownHosts: '/k/known_hosts', retrySeconds: 3, session: true },
  });
  return {
    dir,
    starts: () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').split('\n').length - 1 : 0),
    executor: (options: SshExecutorOptions = {}) => new SshExecutor(spec, { ssh, controlDir: join(dir, 'c'), ...options }),
  };
}

describe('the SSH session', () => {
  it('frames a script and its input by their length in bytes, the marker after them', () => {
    expect(sessionFrame('cat', 'é\n', '--m--')).toBe('3 3\ncaté\n--m--\n');
    expect(sessionFrame('true', '', '--m--')).toBe('4 0\ntrue--m--\n');
  });

  it("finds the loop's answer after both markers; a marker a script printed is output, and a split one is waited for", () => {
    const m = '--m--';
    expect(sessionAnswer(`out ${m} and more\nx${m}:4\nnext`, `err ${m}\nleft`, m)).toEqual({
      result: { stdout: `out ${m} and more\nx`, stderr: 'err ', exitCode: 4 },
      out: 'next',
      err: 'left',
    });
    // Not all of it yet: the search goes on from the marker, not from the start.
    const part = sessionAnswer(`${'a'.repeat(100)}${m}:1`, '', m);
    expect(part).toEqual({ from: { out: 100, err: 0 } });
    expect(sessionAnswer(`${'a'.repeat(100)}${m}:12\n`, `${m}\n`, m, 'from' in part ? part.from : undefined)).toMatchObject({
      result: { exitCode: 12, stdout: 'a'.repeat(100) },
    });
    // A marker cut in two on stderr is found once the rest comes.
    expect(sessionAnswer(`${m}:0\n`, '--m', m)).toEqual({ from: { out: 0, err: 0 } });
    expect(sessionAnswer(`${m}:0\n`, `--m--\n`, m)).toMatchObject({ result: { exitCode: 0 } });
  });

  it('the loop refuses an sh whose printf is no builtin (input would be an argument), in any language', async () => {
    const loop = await execa('bash', ['-c', `enable -n printf\n${sessionDriver()}`], { input: '', reject: false });
    expect(loop.exitCode).toBe(97);
    expect(loop.stderr).toMatch(/no printf builtin/);
    const german = await execa('bash', ['--posix', '-c', sessionDriver()], {
      input: '--m--\n',
      reject: false,
      env: { LANGUAGE: 'de', LC_ALL: 'C.UTF-8' },
    });
    expect(german.stdout).toContain('--homelab-session-ready--');
  });

  it('a frame cut short (its writer gone in the middle) runs nothing, not a prefix of the script', async () => {
    const lab = standIn();
    const target = join(lab.dir, 'b');
    writeFileSync(target, 'kept');
    const whole = `rm -rf ${target}/../b-not-this; echo ran > ${lab.dir}/ran`;
    // The header promises the whole script; the stream ends after a prefix that is itself a command.
    const cut = `${Buffer.byteLength(whole)} 0\n${whole.slice(0, whole.indexOf('/../'))}`;
    const loop = await execa('sh', ['-c', sessionDriver()], { input: `--m--\n${cut}`, reject: false });
    expect(loop.exitCode).toBe(98);
    expect(readFileSync(target, 'utf8')).toBe('kept');
    expect(existsSync(join(lab.dir, 'ran'))).toBe(false);
  });

  it('runs scripts one after another in one ssh process, each with exactly its output, exit code and input', async () => {
    const lab = standIn();
    const ssh = lab.executor();
    expect(await ssh.sh('echo one; echo oops >&2')).toEqual({ stdout: 'one\n', stderr: 'oops\n', exitCode: 0 });
    // Input read to the byte (trailing newlines, multi-byte text), output without a final newline.
    expect(await ssh.sh('cat; printf "[end]"', { input: 'secret ünïcode\n\n' })).toEqual({
      stdout: 'secret ünïcode\n\n[end]',
      stderr: '',
      exitCode: 0,
    });
    // Input a script leaves unread (more than a pipe holds) does not reach the next script as its header.
    expect(await ssh.sh('head -c 2', { input: `ab 12\n${'not a header\n'.repeat(20_000)}` })).toMatchObject({ stdout: 'ab' });
    expect(await ssh.sh('exit 86', { allowFailure: true })).toEqual({ stdout: '', stderr: '', exitCode: 86 });
    await expect(ssh.sh('echo broken >&2; exit 3', { display: 'the step' })).rejects.toThrow(/the step[\s\S]*exit code 3[\s\S]*broken/);
    expect(lab.starts()).toBe(1);
    await ssh.close();
    expect((await ssh.sh('echo again')).stdout).toBe('again\n');
    expect(lab.starts()).toBe(2);
    await ssh.close();
  });

  it("output a script left to a background process stays that script's; large and multi-byte output arrives whole", async () => {
    const lab = standIn();
    const ssh = lab.executor();
    expect(await ssh.sh('echo A; (sleep 0.3; echo late-from-A; echo late-err >&2) & echo err-A >&2')).toEqual({
      stdout: 'A\nlate-from-A\n',
      stderr: 'err-A\nlate-err\n',
      exitCode: 0,
    });
    expect(await ssh.sh('echo B')).toEqual({ stdout: 'B\n', stderr: '', exitCode: 0 });
    const big = await ssh.sh('yes é | head -n 150000; yes warn | head -n 20000 >&2');
    expect(big.stdout).toBe('é\n'.repeat(150_000));
    expect(big.stderr).toBe('warn\n'.repeat(20_000));
    expect(lab.starts()).toBe(1);
    await ssh.close();
  });

  it("what the login shell prints before the loop is ready is no script's output", async () => {
    const lab = standIn('echo "Welcome to ocean"; echo "pyenv: warning" >&2');
    const ssh = lab.executor();
    expect(await ssh.sh('echo first')).toEqual({ stdout: 'first\n', stderr: '', exitCode: 0 });
    await ssh.close();
  });

  it('a script killed on the host fails with its signal (not as a lost connection: it is not sent again)', async () => {
    const lab = standIn();
    const ssh = lab.executor();
    expect(await ssh.sh('kill -9 $$', { allowFailure: true })).toMatchObject({ exitCode: 137 });
    expect(lab.starts()).toBe(1);
    await ssh.close();
  });

  it('input with a NUL byte (no shell variable holds one) goes through an ssh of its own, byte for byte', async () => {
    const lab = standIn();
    const ssh = lab.executor();
    await ssh.sh('true');
    expect((await ssh.sh('od -An -c', { input: 'a\0b' })).stdout.replace(/\s+/g, ' ').trim()).toBe('a \\0 b');
    expect(lab.starts()).toBe(2);
    await ssh.close();
  });

  it('a loop that is not ready in time (rc files sending stderr elsewhere) is given up: one ssh per script, nothing lost', async () => {
    const lab = standIn('exec 2>/dev/null');
    const ssh = lab.executor({ sessionTimings: { readyMs: 500 } });
    expect(await ssh.sh('cat', { input: 'kept\n' })).toMatchObject({ stdout: 'kept\n', exitCode: 0 });
    expect((await ssh.sh('echo two')).stdout).toBe('two\n');
    expect(lab.starts()).toBe(3);
    await ssh.close();
  });

  it('a loop the rc files break (stderr or stdin closed) is not taken for a lost connection: one ssh per script', async () => {
    for (const login of ['exec 2>&-', 'exec </dev/null']) {
      const lab = standIn(login);
      const notices: string[] = [];
      const ssh = lab.executor({ onRetry: (_host, n) => notices.push(n.reason) });
      expect((await ssh.sh('echo one')).stdout).toBe('one\n');
      expect((await ssh.sh('echo two')).stdout).toBe('two\n');
      expect([login, lab.starts(), notices]).toEqual([login, 3, []]);
      await ssh.close();
    }
  });

  it('a connection started for nothing (its service not acted on) is ended at close, even while it logs in', async () => {
    const lab = standIn('sleep 5');
    const ssh = lab.executor();
    ssh.connect();
    await expect.poll(() => existsSync(join(lab.dir, 'pid'))).toBe(true);
    const pid = Number(readFileSync(join(lab.dir, 'pid'), 'utf8'));
    await ssh.close();
    await expect.poll(() => existsSync(`/proc/${pid}`), { timeout: 2_000 }).toBe(false);
  });

  it('a host whose head is not GNU head (BusyBox) gets one ssh per script, and nothing is lost', async () => {
    const lab = standIn();
    const bin = join(lab.dir, 'busybox-like');
    mkdirSync(bin);
    writeFileSync(join(bin, 'head'), '#!/bin/sh\n[ "$1" = --version ] && { echo "BusyBox v1.36" >&2; exit 1; }\nexec /usr/bin/head "$@"\n');
    chmodSync(join(bin, 'head'), 0o755);
    const other = standIn(`PATH=${bin}:$PATH; export PATH`);
    const ssh = other.executor();
    expect(await ssh.sh('cat', { input: 'kept\n' })).toEqual({ stdout: 'kept\n', stderr: '', exitCode: 0 });
    expect((await ssh.sh('echo two')).stdout).toBe('two\n');
    expect(other.starts()).toBe(3); // the loop that could not run, then one ssh per script
    await ssh.close();
    // A loop started early (connect) that could not run is remembered: no second one is tried.
    const earlyLab = standIn(`PATH=${bin}:$PATH; export PATH`);
    const early = earlyLab.executor();
    early.connect();
    await new Promise((r) => setTimeout(r, 500));
    expect((await early.sh('echo one')).stdout).toBe('one\n');
    expect((await early.sh('echo two')).stdout).toBe('two\n');
    expect(earlyLab.starts()).toBe(3);
    await early.close();
  });

  it('closing while a script runs (or waits for the loop to be ready) lets it finish; an idle session ends by itself', async () => {
    const lab = standIn('sleep 0.3');
    const notices: string[] = [];
    const ssh = lab.executor({ onRetry: (_host, n) => notices.push(n.reason) });
    const waiting = ssh.sh('echo finished');
    await ssh.close();
    expect((await waiting).stdout).toBe('finished\n');
    const running = ssh.sh('sleep 0.3; echo finished too');
    await new Promise((r) => setTimeout(r, 500)); // the loop is ready and runs it
    await ssh.close();
    expect((await running).stdout).toBe('finished too\n');
    expect(notices).toEqual([]); // nothing was taken for a lost connection
    expect(lab.starts()).toBe(2);
    const session = new SshSession(join(lab.dir, 'ssh'), [], '', { idleMs: 200 });
    expect((await session.run('echo idle')).stdout).toBe('idle\n');
    expect(session.open).toBe(true);
    await expect.poll(() => session.open, { timeout: 3_000 }).toBe(false);
  });

  it('a script asked for while another runs gets its own ssh, and both answer right', async () => {
    const lab = standIn();
    const ssh = lab.executor();
    const [slow, quick] = await Promise.all([ssh.sh('sleep 0.3; echo slow'), ssh.sh('echo quick')]);
    expect([slow.stdout, quick.stdout]).toEqual(['slow\n', 'quick\n']);
    expect(lab.starts()).toBe(2);
    expect((await ssh.sh('echo next')).stdout).toBe('next\n');
    expect(lab.starts()).toBe(2); // the session again, not a third ssh
    await ssh.close();
  });

  it('a session lost in the middle of a script is a lost connection: the script is sent again on a new one', async () => {
    const lab = standIn();
    const notices: string[] = [];
    const ssh = lab.executor({ onRetry: (_host, n) => notices.push(`${n.attempt}`) });
    await ssh.sh('true');
    // The first run kills the stand-in ssh (the link dies); the second, on a new session, completes.
    const once = join(lab.dir, 'once');
    const result = await ssh.sh(`if [ ! -e ${once} ]; then touch ${once}; kill -9 $(cat ${lab.dir}/pid); exit 0; fi; echo done`);
    expect(result.stdout).toBe('done\n');
    expect(notices).toEqual(['1']);
    expect(lab.starts()).toBe(2);
    await ssh.close();
  });

  it('a script that runs past its time fails as timed out, and the next one gets a new session', async () => {
    const lab = standIn();
    const ssh = lab.executor();
    const error = await ssh.sh('sleep 5', { timeoutMs: 200, display: 'a slow step' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect(String(error)).toMatch(/a slow step[\s\S]*timed out after 200 ms/);
    expect((await ssh.sh('echo alive')).stdout).toBe('alive\n');
    expect(lab.starts()).toBe(2);
    await ssh.close();
  });

  it('without a session each script is its own ssh, as before', async () => {
    const lab = standIn();
    const ssh = lab.executor({ session: false });
    expect((await ssh.sh('cat', { input: 'x\n' })).stdout).toBe('x\n');
    expect((await ssh.sh('echo y')).stdout).toBe('y\n');
    expect(lab.starts()).toBe(2);
  });

  it('a process that never closes its executor still exits at once, and its session ends with it', async () => {
    const lab = standIn();
    const script = join(lab.dir, 'left-open.mts');
    writeFileSync(
      script,
      [
        `import { SshExecutor } from ${JSON.stringify(join(import.meta.dirname, 'ssh-executor.ts'))};`,
        `const ssh = new SshExecutor(${JSON.stringify(host('ocean'))}, { ssh: ${JSON.stringify(join(lab.dir, 'ssh'))}, controlDir: ${JSON.stringify(join(lab.dir, 'c'))} });`,
        `await ssh.sh('true');`,
        // Closed while a script runs: the process still waits for its result.
        `const last = ssh.sh('sleep 0.3; echo finished');`,
        `await ssh.close();`,
        `console.log((await last).stdout.trim());`,
        `await ssh.sh('true');`,
      ].join('\n'),
    );
    const started = Date.now();
    const child = await execa(process.execPath, ['--import', 'tsx', script], { cwd: import.meta.dirname, timeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(8_000); // the idle session (15 s) did not hold it
    expect(child.exitCode).toBe(0);
    expect(child.stdout).toBe('finished');
    const remote = Number(readFileSync(join(lab.dir, 'pid'), 'utf8'));
    // The remote loop saw the end of its input and ended.
    await expect.poll(() => existsSync(`/proc/${remote}`), { timeout: 5_000 }).toBe(false);
  });
});
