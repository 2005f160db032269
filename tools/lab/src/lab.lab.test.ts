// The lab itself: up is idempotent (also after its processes were killed), down removes all it made.
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import { labDown, labStatus, labUp } from './lab.ts';
import { labHost } from './layout.ts';

const quiet = () => {};

async function netnsList(): Promise<string[]> {
  return (await execa('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
}

describe('lab', () => {
  it('up twice in a row changes nothing and every host answers over SSH with its own dockerd', async () => {
    await labUp(repoRoot, quiet);
    const pids = readFileSync('/run/lab/ocean/dockerd.pid', 'utf8');
    const inventory = await labUp(repoRoot, quiet);
    expect(readFileSync('/run/lab/ocean/dockerd.pid', 'utf8')).toBe(pids);
    expect((await labStatus(repoRoot)).every((s) => s.netns && s.sshd && s.dockerd)).toBe(true);
    for (const host of Object.values(inventory.hosts)) {
      const r = await execa('ssh', [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${host.ssh.knownHosts}`,
        '-i',
        host.ssh.identityFile,
        `root@${host.address}`,
        `DOCKER_HOST=${host.dockerHost} docker info --format '{{.DockerRootDir}}'`,
      ]);
      expect(r.stdout).toBe(`/var/lib/lab/${host.name}/docker`);
    }
  });

  it('up repairs hosts whose sshd and dockerd were killed', async () => {
    for (const name of ['ocean', 'dns01']) {
      for (const p of ['sshd', 'dockerd']) {
        const pid = Number(readFileSync(`/run/lab/${name}/${p}.pid`, 'utf8'));
        process.kill(pid, 'SIGKILL');
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await labStatus(repoRoot)).some((s) => s.sshd || s.dockerd)).toBe(false);
    await labUp(repoRoot, quiet);
    expect((await labStatus(repoRoot)).every((s) => s.netns && s.sshd && s.dockerd)).toBe(true);
  });

  it('down removes namespaces, links, processes and state; up brings it all back', async () => {
    await labDown(repoRoot, quiet);
    expect(await netnsList()).not.toContain('lab-ocean');
    expect((await execa('ip', ['link', 'show', labHost('ocean', '10.231.0.2').vethOutside], { reject: false })).exitCode).not.toBe(0);
    expect(existsSync('/var/lib/lab/ocean')).toBe(false);
    expect(existsSync('/run/lab/ocean')).toBe(false);
    await labUp(repoRoot, quiet);
    expect(await netnsList()).toEqual(expect.arrayContaining(['lab-ocean', 'lab-dns01']));
    expect((await labStatus(repoRoot)).every((s) => s.netns && s.sshd && s.dockerd)).toBe(true);
  });
});
