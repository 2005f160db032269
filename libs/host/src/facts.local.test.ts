// Host facts for real (the script the SSH executor runs on a host, run here): Docker installed but
// its daemon stopped, and Docker not installed at all, read apart.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherFacts } from './facts.ts';
import { LocalExecutor } from './local-executor.ts';

const bin = mkdtempSync(join(tmpdir(), 'homelab-facts-bin-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
// A PATH with the shell tools the script uses and no docker.
for (const tool of ['sh', 'df', 'awk', 'dirname', 'grep', 'tail'])
  symlinkSync(
    execFileSync('sh', ['-c', `command -v ${tool}`])
      .toString()
      .trim(),
    join(bin, tool),
  );

describe('facts: Docker', () => {
  it('installed, daemon stopped: the CLI is there and says why the daemon does not answer', async () => {
    const ex = new LocalExecutor({ env: { PATH: process.env.PATH ?? '', DOCKER_HOST: `unix://${bin}/no-daemon.sock` } });
    const facts = await gatherFacts(ex, tmpdir());
    expect(facts.docker).toBeUndefined();
    expect(facts.dockerCli.installed).toBe(true);
    expect(facts.dockerCli.error).toMatch(/Cannot connect to the Docker daemon|no-daemon\.sock/);
  });

  it('not installed: no docker command at all', async () => {
    const facts = await gatherFacts(new LocalExecutor({ env: { PATH: bin } }), tmpdir());
    expect(facts).toMatchObject({ docker: undefined, dockerCli: { installed: false } });
  });
});
