import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stop } from './hosts.ts';

// A daemon that, like dockerd, removes its pid file as soon as it is told to stop and exits later.
function daemon(dir: string, exitAfterMs: number, ignoreTerm = false) {
  const pidFile = `${dir}/fake.pid`;
  const onTerm = ignoreTerm ? `rm -f ${pidFile}` : `rm -f ${pidFile}; sleep ${exitAfterMs / 1000}; exit 0`;
  const child = spawn('bash', ['-c', `echo $$ > ${pidFile}; trap '${onTerm}' TERM; while :; do sleep 0.05; done`, 'fake-daemon'], {
    stdio: 'ignore',
  });
  return { child, pidFile };
}

async function written(pidFile: string): Promise<void> {
  for (let i = 0; i < 100 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()); i++) await sleep(20);
}

const gone = (child: ReturnType<typeof spawn>) => child.exitCode !== null || child.signalCode !== null;

describe('stopping a lab daemon', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('waits for the process itself, not its pid file, which it removes before it exits', async () => {
    const dir = mkdtempSync(`${tmpdir()}/lab-stop-`);
    dirs.push(dir);
    const { child, pidFile } = daemon(dir, 700);
    await written(pidFile);
    await stop(pidFile, 'bash');
    await sleep(50); // let the exit event arrive
    expect(existsSync(pidFile)).toBe(false);
    expect(gone(child)).toBe(true);
  });

  it('kills a process that ignores SIGTERM, even after its pid file is gone', async () => {
    const dir = mkdtempSync(`${tmpdir()}/lab-stop-`);
    dirs.push(dir);
    const { child, pidFile } = daemon(dir, 0, true);
    await written(pidFile);
    await stop(pidFile, 'bash', 1000);
    await sleep(50);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('does nothing when there is no pid file, or it names another program', async () => {
    const dir = mkdtempSync(`${tmpdir()}/lab-stop-`);
    dirs.push(dir);
    await expect(stop(`${dir}/none.pid`, 'dockerd')).resolves.toBeUndefined();
    const { child, pidFile } = daemon(dir, 0);
    await written(pidFile);
    await stop(pidFile, 'dockerd');
    expect(gone(child)).toBe(false);
    child.kill('SIGKILL');
  });
});
