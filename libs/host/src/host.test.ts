import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { describe, expect, it } from 'vitest';
import { host } from '@homelab/model/testing';
import { combine, join, quote } from './shell.ts';
import { sshArgs } from './ssh-args.ts';
import { factsScript, parseFacts } from './facts.ts';
import { acquireScript, HostLock, isStale, parseLockOutput, releaseScript } from './lock.ts';
import { LockError, LockHeldError } from './errors.ts';
import type { CommandResult, Executor, RunOptions } from './executor.ts';
import { SshExecutor } from './ssh-executor.ts';
import { LocalExecutor } from './local-executor.ts';

describe('shell', () => {
  it('quotes only what needs quoting', () => {
    expect(quote('/opt/homelab/x')).toBe('/opt/homelab/x');
    expect(quote('')).toBe("''");
    expect(quote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(join(['docker', 'compose', 'up', '-d'])).toBe('docker compose up -d');
    expect(combine(['mkdir', '-p', 'a b'], ['rm', '-rf', 'c'])).toBe("mkdir -p 'a b' && rm -rf c");
  });
});

describe('ssh args', () => {
  it('checks host keys strictly against the inventory file and shares one connection', () => {
    const args = sshArgs(
      host('ocean', {
        address: '10.231.0.2',
        ssh: { user: 'root', port: 2222, identityFile: '/k/id', knownHosts: '/inv/known_hosts', retrySeconds: 60, session: true },
      }),
      { controlDir: '/tmp/c' },
    );
    const opts = args.filter((_, i) => args[i - 1] === '-o');
    expect(opts).toEqual(
      expect.arrayContaining([
        'BatchMode=yes',
        'StrictHostKeyChecking=yes',
        'UserKnownHostsFile=/inv/known_hosts',
        'ControlMaster=auto',
        'ControlPersist=60',
      ]),
    );
    expect(opts.find((o) => o.startsWith('ControlPath='))).toMatch(/^ControlPath=\/tmp\/c\/[0-9a-f]{16}$/);
    expect(args.slice(-7)).toEqual(['-i', '/k/id', '-p', '2222', '-l', 'root', '10.231.0.2']);
  });

  it('refuses a production host unless allowed', () => {
    const prod = host('ocean', { production: true, inventory: 'production', address: '192.168.1.143' });
    expect(() => new SshExecutor(prod, { allowProduction: false })).toThrow(
      /refusing to connect to ocean of inventory "production"[\s\S]*HOMELAB_ALLOW_PRODUCTION=1/,
    );
    expect(() => new SshExecutor(prod, { allowProduction: true, controlDir: '/tmp/homelab-ssh-test' })).not.toThrow();
  });
});

describe('facts', () => {
  // The facts script run for real, with a stand-in nvidia-smi on PATH that answers like the driver does.
  async function factsWith(nvidiaSmi: string) {
    const bin = mkdtempSync(pathJoin(tmpdir(), 'homelab-nvsmi-'));
    writeFileSync(pathJoin(bin, 'nvidia-smi'), `#!/bin/sh\n${nvidiaSmi}\n`);
    chmodSync(pathJoin(bin, 'nvidia-smi'), 0o755);
    const local = new LocalExecutor({ env: { PATH: `${bin}:${process.env.PATH}` } });
    return parseFacts((await local.sh(factsScript('/opt/homelab/none'))).stdout, 'ocean');
  }

  it('a failing or unreadable nvidia-smi is a fact of the host (its GPU services are refused), not a failure to read the host', async () => {
    const down = await factsWith(
      `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."; exit 9`,
    );
    expect(down.gpus).toEqual([]);
    expect(down.nvidiaSmi).toEqual({
      installed: true,
      error:
        "nvidia-smi exited with code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    });
    expect(down.freeDiskMiB).toBeGreaterThan(0);
    const odd = await factsWith('echo "No devices were found"');
    expect(odd.nvidiaSmi.error).toMatch(/cannot read nvidia-smi output line "No devices were found": expected 6 columns, got 1/);
    const ok = await factsWith('echo "0, GPU-5f6e7d8c-1111-2222-3333-444455556666, NVIDIA GeForce RTX 3090, 24576, 1, 550.120"');
    expect(ok.nvidiaSmi).toEqual({ installed: true });
    expect(ok.gpus.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 3090']);
  });

  it('reads docker, compose, systemd, GPUs and disk', () => {
    const out =
      'docker_cli=yes\ndocker=20.10.24\ncompose=2.26.1\nsystemd=yes\n--gpus--\n0, GPU-5f6e7d8c-1111-2222-3333-444455556666, NVIDIA GeForce RTX 3090, 24576, 13000, 550.120\n--end-- 0\ndisk=1048576\n';
    expect(parseFacts(out, 'ocean')).toEqual({
      docker: '20.10.24',
      dockerCli: { installed: true },
      compose: '2.26.1',
      systemd: true,
      gpus: [
        {
          index: 0,
          uuid: 'GPU-5f6e7d8c-1111-2222-3333-444455556666',
          name: 'NVIDIA GeForce RTX 3090',
          memoryTotalMiB: 24576,
          memoryUsedMiB: 13000,
          driverVersion: '550.120',
        },
      ],
      nvidiaSmi: { installed: true },
      freeDiskMiB: 1024,
    });
    expect(parseFacts('docker_cli=no\ncompose=\nsystemd=no\ndisk=\n', 'x')).toEqual({
      docker: undefined,
      dockerCli: { installed: false },
      compose: undefined,
      systemd: false,
      gpus: [],
      nvidiaSmi: { installed: false },
      freeDiskMiB: undefined,
    });
    expect(factsScript('/opt/homelab')).toContain('d=/opt/homelab; while [ ! -d "$d" ]');
  });
});

class ScriptedExecutor implements Executor {
  readonly host = 'ocean';
  readonly calls: Array<{ script: string; input?: string; signal?: AbortSignal }> = [];
  readonly answer: (script: string, input?: string) => string;
  constructor(answer: (script: string, input?: string) => string) {
    this.answer = answer;
  }
  async run(argv: readonly string[], o: RunOptions = {}) {
    return this.sh(join(argv), o);
  }
  async sh(script: string, o: RunOptions = {}): Promise<CommandResult> {
    this.calls.push({ script, input: o.input, signal: o.signal });
    const stdout = this.answer(script, o.input);
    if (stdout === 'LOST') return { stdout: '', stderr: 'Connection to 10.0.0.2 closed by remote host.', exitCode: 255 };
    if (stdout === 'REFUSED') return { stdout: '', stderr: 'root@10.0.0.2: Permission denied (publickey).', exitCode: 255 };
    return { stdout, stderr: '', exitCode: 0 };
  }
  async close() {}
}

describe('host lock', () => {
  const holder = {
    token: 't1',
    holder: 'ci@runner',
    hostname: 'runner',
    pid: 4242,
    command: 'deploy plex',
    startedAt: '2026-11-26T07:00:00.000Z',
  };

  it('builds mkdir-based acquire and token-checked release scripts', () => {
    expect(acquireScript('/opt/homelab')).toMatch(
      /^mkdir -p \/opt\/homelab && if mkdir \/opt\/homelab\/\.homelab\.lock 2>\/dev\/null; then if err=\$\(cat 2>&1 > \/opt\/homelab\/\.homelab\.lock\/holder\.json\)/,
    );
    expect(releaseScript('/opt/homelab', 'abc')).toBe(
      `if grep -q '"token":"abc"' /opt/homelab/.homelab.lock/holder.json 2>/dev/null; then rm -rf /opt/homelab/.homelab.lock; fi`,
    );
  });

  it('parses the holder and decides staleness', () => {
    const state = parseLockOutput(`HELD\nage=12\n${JSON.stringify(holder)}`);
    expect(state).toEqual({ held: true, holder, ageSeconds: 12 });
    expect(isStale(state, 3600, 'elsewhere')).toBe(false);
    expect(isStale({ ...state, ageSeconds: 4000 }, 3600, 'elsewhere')).toBe(true);
    expect(isStale({ ...state, holder: { ...holder, pid: process.pid } }, 3600, 'runner')).toBe(false);
    expect(isStale({ ...state, holder: { ...holder, pid: 999_999_999 } }, 3600, 'runner')).toBe(true);
    expect(isStale({ held: true, holder: undefined, ageSeconds: 40 }, 3600)).toBe(true);
    expect(parseLockOutput('FREE\n').held).toBe(false);
  });

  it('fails naming the holder when it cannot wait', async () => {
    const ex = new ScriptedExecutor(() => `HELD\nage=3\n${JSON.stringify(holder)}`);
    const error = await new HostLock(ex, '/opt/homelab').acquire({ command: 'deploy x', waitMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toContain('ocean is locked by ci@runner (pid 4242, "deploy plex", since 2026-11-26T07:00:00.000Z)');
  });

  it('clears a stale lock whose local holder process is gone, then takes it', async () => {
    let tries = 0;
    const ex = new ScriptedExecutor((script) => {
      if (script.startsWith('mkdir -p') || script.startsWith('flock'))
        return tries++ === 0 ? `HELD\nage=5\n${JSON.stringify({ ...holder, hostname: hostname(), pid: 999_999_999 })}` : 'ACQUIRED\n';
      return '';
    });
    const lock = new HostLock(ex, '/opt/homelab');
    await lock.acquire({ command: 'deploy x', waitMs: 0 });
    // The takeover is one atomic step under flock: no separate removal another process could race.
    expect(ex.calls.map((c) => c.script.split(' ')[0])).toEqual(['mkdir', 'flock']);
    const written = JSON.parse(ex.calls[1]!.input!) as { command: string; pid: number };
    expect(written).toMatchObject({ command: 'deploy x', pid: process.pid });
    await lock.release();
    expect(ex.calls[2]!.script).toContain(`"token":"${(JSON.parse(ex.calls[1]!.input!) as { token: string }).token}"`);
  });

  it('a lock held under its own token is ours: the first try took it and its answer was lost with the connection', async () => {
    // The retried acquire finds the lock made by the first try, holding the same holder (and token).
    const ex = new ScriptedExecutor((script, input) => (script.startsWith('mkdir -p') ? `HELD\nage=0\n${input}` : ''));
    const lock = new HostLock(ex, '/opt/homelab');
    await lock.acquire({ command: 'deploy x', waitMs: 0 });
    await lock.release();
    const token = (JSON.parse(ex.calls[0]!.input!) as { token: string }).token;
    expect(ex.calls.map((c) => c.script)).toEqual([acquireScript('/opt/homelab'), releaseScript('/opt/homelab', token)]);
  });

  it("a lock taken by hand stops trying a lost connection when stopped; a transition's lock keeps trying (to find it again as its own)", async () => {
    const stop = new AbortController();
    const ex = new ScriptedExecutor(() => 'ACQUIRED\n');
    await new HostLock(ex, '/opt/homelab').acquire({ command: 'lock acquire', manual: true, waitMs: 0, signal: stop.signal });
    await new HostLock(ex, '/opt/homelab').acquire({ command: 'deploy x', waitMs: 0, signal: stop.signal });
    expect(ex.calls.map((c) => c.signal)).toEqual([stop.signal, undefined]);
  });

  // The LockError of a lock taken over a connection that answers `answer` (LOST, REFUSED) to every try.
  const lockErrorOn = async (answer: string): Promise<LockError> => {
    const error = await new HostLock(new ScriptedExecutor(() => answer), '/opt/homelab')
      .acquire({ command: 'deploy x', waitMs: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    return error as LockError;
  };

  it('a connection lost while taking the lock may have left it taken: the error says so, and how to see and free it', async () => {
    const error = await lockErrorOn('LOST');
    expect(error.connectionLost).toBe(true);
    expect(error.hint).toBe(
      'the connection to ocean failed while the lock was being taken, so it may be held all the same: `homelab lock status ocean` shows it, `homelab lock release ocean` frees it',
    );
  });

  it('ssh refusing the key took nothing: the error points at the key, not at the deploy root', async () => {
    const error = await lockErrorOn('REFUSED');
    expect(error.connectionLost).toBe(false);
    expect(error.hint).toMatch(/^ssh to ocean was refused before anything ran: check the SSH key and the host key/);
  });
});
