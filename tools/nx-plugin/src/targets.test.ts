import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeVersionCommand, composeVersionCommandFor } from './targets.ts';

const dir = mkdtempSync(join(tmpdir(), 'compose-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in program that says its name and its arguments.
function program(path: string, output: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho "${output} $*"\n`);
  chmodSync(path, 0o755);
}
const bin = join(dir, 'bin');
program(join(bin, 'docker'), 'docker-cli');
// Stand-ins for the system plugin folders: the first one empty, the second with a plugin.
const system = [join(dir, 'system-1'), join(dir, 'system-2')];
program(join(system[1]!, 'docker-compose'), 'system-plugin');

// The runtime input of validate with stand-in system folders, run as Nx runs it (sh -c).
const run = (env: Record<string, string>, command = composeVersionCommandFor(system)) =>
  execFileSync('sh', ['-c', command], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, encoding: 'utf8' }).trim();

describe("validate's Docker Compose version input", () => {
  it("asks the plugin in the user's docker config folder first (DOCKER_CONFIG, else ~/.docker)", () => {
    program(join(dir, 'config/cli-plugins/docker-compose'), 'config-plugin');
    program(join(dir, 'home/.docker/cli-plugins/docker-compose'), 'home-plugin');
    expect(run({ DOCKER_CONFIG: join(dir, 'config'), HOME: join(dir, 'home') })).toBe('config-plugin version --short');
    expect(run({ HOME: join(dir, 'home') })).toBe('home-plugin version --short');
  });

  it('then the system folders, in the order given', () => {
    expect(run({ HOME: join(dir, 'nowhere') })).toBe('system-plugin version --short');
  });

  it('asks through the docker CLI when no plugin is where it looks', () => {
    expect(run({ HOME: join(dir, 'nowhere') }, composeVersionCommandFor([system[0]!]))).toBe('docker-cli compose version --short');
  });

  it('asks through the docker CLI when the docker config names extra plugin folders (docker searches those first)', () => {
    mkdirSync(join(dir, 'extra'), { recursive: true });
    program(join(dir, 'extra/cli-plugins/docker-compose'), 'extra-config-plugin');
    writeFileSync(join(dir, 'extra/config.json'), JSON.stringify({ cliPluginsExtraDirs: [join(dir, 'elsewhere')] }));
    expect(run({ DOCKER_CONFIG: join(dir, 'extra') })).toBe('docker-cli compose version --short');
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
