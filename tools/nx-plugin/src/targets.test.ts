import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeVersionCommand } from './targets.ts';

const dir = mkdtempSync(join(tmpdir(), 'compose-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function program(path: string, output: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho "${output} $*"\n`);
  chmodSync(path, 0o755);
}

// The runtime input of validate, run as Nx runs it (sh -c), with the environment given.
const run = (env: Record<string, string>) =>
  execFileSync('sh', ['-c', composeVersionCommand], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' }).trim();

describe("validate's Docker Compose version input", () => {
  it('asks the plugin in the docker config folder directly', () => {
    program(join(dir, 'config/cli-plugins/docker-compose'), 'plugin');
    program(join(dir, 'bin/docker'), 'docker-cli');
    expect(run({ DOCKER_CONFIG: join(dir, 'config'), PATH: `${join(dir, 'bin')}:/usr/bin:/bin` })).toBe('plugin version --short');
  });

  it("looks in the user's ~/.docker when DOCKER_CONFIG is not set", () => {
    program(join(dir, 'home/.docker/cli-plugins/docker-compose'), 'home-plugin');
    expect(run({ HOME: join(dir, 'home') })).toBe('home-plugin version --short');
  });

  it('asks through the docker CLI when no plugin is where it looks', () => {
    program(join(dir, 'bin/docker'), 'docker-cli');
    expect(run({ HOME: join(dir, 'nowhere'), PATH: `${join(dir, 'bin')}:/usr/bin:/bin` })).toBe('docker-cli compose version --short');
  });

  it("gives this machine's answer of `docker compose version --short`", () => {
    const direct = (() => {
      try {
        return execFileSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      } catch {
        return undefined;
      }
    })();
    // (a machine without Docker Compose has no answer to compare: the tests above still hold there)
    if (direct === undefined) return;
    expect(execFileSync('sh', ['-c', composeVersionCommand], { encoding: 'utf8' }).trim()).toBe(direct);
  });
});
