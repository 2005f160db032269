// The SSH executor's remote shell for real, with a stand-in `ssh` that runs the remote command in a local
// `sh` (as sshd runs it in the login shell) and logs each start: the driver, the framing, losing and
// ending sessions, all on this machine.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { host } from '@homelab/model/testing';
import { SshError } from './errors.ts';
import { SshExecutor, type SshExecutorOptions } from './ssh-executor.ts';
import { sessionFrame } from './ssh-session.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A stand-in OpenSSH client: `-O exit` does nothing; otherwise it logs a start, writes its pid (a test
// kills it as a lost link would) and runs what follows `--`.
function standIn() {
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
      'exec sh -c "$1"',
    ].join('\n'),
  );
  chmodSync(ssh, 0o755);
  const spec = host('ocean', {
    address: '127.0.0.1',
    ssh: { user: 'root', port: 22, identityFile: '/k/id', knownHosts: '/k/known_hosts', retrySeconds: 3 },
  });
  return {
    dir,
    starts: () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').split('\n').length - 1 : 0),
    executor: (options: SshExecutorOptions = {}) => new SshExecutor(spec, { ssh, controlDir: join(dir, 'c'), ...options }),
  };
}

describe('the SSH session', () => {
  it('frames a script and its input by their length in bytes', () => {
    expect(sessionFrame('cat', 'é\n')).toBe('3 3\ncaté\n');
    expect(sessionFrame('true')).toBe('4 0\ntrue');
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
      ].join('\n'),
    );
    const started = Date.now();
    const child = await execa(process.execPath, ['--import', 'tsx', script], { cwd: import.meta.dirname, timeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(8_000); // the idle session (15 s) did not hold it
    expect(child.exitCode).toBe(0);
    const remote = Number(readFileSync(join(lab.dir, 'pid'), 'utf8'));
    // The remote loop saw the end of its input and ended.
    await expect.poll(() => existsSync(`/proc/${remote}`), { timeout: 5_000 }).toBe(false);
  });
});
