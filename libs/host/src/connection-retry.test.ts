import { describe, expect, it } from 'vitest';
import { isConnectionFailure, mayHaveRun, retryDelays, withConnectionRetry, type RetryNotice } from './connection-retry.ts';

describe('connection retry', () => {
  it('tells a lost or refused connection from a failed command, a rejected key or a wrong host key', () => {
    const lost = [
      'ssh: connect to host 10.231.0.2 port 22: No route to host',
      'ssh: connect to host 10.231.0.2 port 22: Connection refused',
      'ssh: connect to host 10.231.0.2 port 22: Connection timed out',
      'Connection timed out during banner exchange',
      'kex_exchange_identification: read: Connection reset by peer',
      'Timeout, server 10.231.0.2 not responding.',
      'Connection to 10.231.0.2 closed by remote host.',
      'client_loop: send disconnect: Broken pipe',
      'mux_client_request_session: read from master failed: Broken pipe',
    ];
    for (const stderr of lost) expect(isConnectionFailure(255, `${stderr}\n`), stderr).toBe(true);
    expect(isConnectionFailure(1, 'ssh: connect to host x port 22: Connection refused')).toBe(false);
    expect(isConnectionFailure(255, 'root@10.231.0.2: Permission denied (publickey).')).toBe(false);
    expect(isConnectionFailure(255, 'Host key verification failed.')).toBe(false);
    expect(isConnectionFailure(255, '')).toBe(true);
    expect(isConnectionFailure(255, 'bash: some remote error')).toBe(false);
    expect(isConnectionFailure(125, 'docker: Error response from daemon')).toBe(false);
  });

  it('backs off 1, 2, 4, 8, 8 s and stays within the window', () => {
    expect(retryDelays(60_000)).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000]);
    expect(retryDelays(60_000).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(retryDelays(10_000)).toEqual([1000, 2000, 4000]);
    expect(retryDelays(0)).toEqual([]);
  });

  it('runs again after a connection failure only, and returns the last result', async () => {
    const answers = [
      { exitCode: 255, stderr: 'ssh: connect to host h port 22: No route to host' },
      { exitCode: 255, stderr: 'kex_exchange_identification: Connection closed by remote host' },
      { exitCode: 0, stderr: '' },
    ];
    const notices: RetryNotice[] = [];
    let calls = 0;
    const result = await withConnectionRetry(
      async () => answers[calls++]!,
      [1, 1, 1],
      (n) => void notices.push(n),
    );
    expect(result.exitCode).toBe(0);
    expect(calls).toBe(3);
    expect(notices.map((n) => n.reason)).toEqual([
      'ssh: connect to host h port 22: No route to host',
      'kex_exchange_identification: Connection closed by remote host',
    ]);

    calls = 0;
    const failed = await withConnectionRetry(
      async () => ({ exitCode: 2, stderr: 'mkdir: Permission denied' }),
      [1, 1],
      () => {
        calls++;
      },
    );
    expect(failed.exitCode).toBe(2);
    expect(calls).toBe(0);

    let tries = 0;
    const gone = await withConnectionRetry(async () => {
      tries++;
      return { exitCode: 255, stderr: 'ssh: connect to host h port 22: Connection refused' };
    }, [1, 1]);
    expect(gone.exitCode).toBe(255);
    expect(tries).toBe(3);
  });

  it('stops trying once the operator stopped the command: at once when stopped before, within the wait when stopped during it', async () => {
    const lost = { exitCode: 255, stderr: 'ssh: connect to host h port 22: Connection timed out' };
    let calls = 0;
    const attempt = async () => {
      calls++;
      return lost;
    };
    const stop = new AbortController();
    stop.abort('SIGINT');
    expect(await withConnectionRetry(attempt, [1000, 1000], undefined, stop.signal)).toBe(lost);
    expect(calls).toBe(1);

    const later = new AbortController();
    calls = 0;
    const started = Date.now();
    const result = await withConnectionRetry(attempt, [60_000], () => void setTimeout(() => later.abort('SIGINT'), 50), later.signal);
    expect(result).toBe(lost);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a failed run may have run its script unless ssh failed before anything ran (a refused key or host key)', () => {
    expect(mayHaveRun(255, 'Connection to 10.231.0.2 closed by remote host.')).toBe(true);
    expect(mayHaveRun(255, '')).toBe(true);
    // The last try could not connect; an earlier one may have been cut off mid-script.
    expect(mayHaveRun(255, 'ssh: connect to host 10.231.0.2 port 22: Connection refused')).toBe(true);
    expect(mayHaveRun(255, 'root@10.231.0.2: Permission denied (publickey).')).toBe(false);
    expect(mayHaveRun(255, 'Host key verification failed.')).toBe(false);
    expect(mayHaveRun(1, 'mkdir: Permission denied')).toBe(false);
  });
});
