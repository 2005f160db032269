// A rollout on the lab: four replicas standing in for the GitHub runners, one of them running a job
// (a stand-in Runner.Worker process). The deploy replaces the idle three, leaves the busy one and its
// job alone, and a waiter on the host replaces it once the job ends: all four on the new release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceTs } from '@homelab/model/testing';
import { labWorkspace, type LabWorkspace } from '@homelab/lab/testing';

let lab: LabWorkspace;
beforeAll(async () => {
  lab = await labWorkspace();
});
afterAll(async () => {
  await lab?.cleanup();
});

// The runner's own test: a job runs in the replica when a Runner.Worker process does.
const busy = ['sh', '-c', "grep -qs '[R]unner\\.Worker' /proc/[0-9]*/cmdline"];

function runners(name: string, release: string): Record<string, string> {
  return {
    [`packages/${name}/package.json`]: JSON.stringify({ name: `@homelab/${name}`, version: '1.0.0', private: true }),
    [`packages/${name}/service.ts`]: serviceTs({
      description: 'stand-in for the ephemeral GitHub runners',
      host: 'ocean',
      rollout: { services: ['runner'], busy },
      health: { probes: [{ type: 'container', service: 'runner' }], timeoutSeconds: 60, intervalSeconds: 0.5 },
    }),
    [`packages/${name}/compose.yaml`]: [
      'services:',
      '  runner:',
      '    image: lab/busybox:1.35.0',
      '    init: true',
      '    command: ["sh", "-c", "while :; do sleep 1; done"]',
      '    environment:',
      `      RELEASE: "${release}"`,
      '    deploy:',
      '      replicas: 4',
      '    healthcheck:',
      '      test: ["CMD", "true"]',
      '      interval: 1s',
      '      retries: 5',
      '',
    ].join('\n'),
  };
}

describe('rollout of replicas with a busy one', () => {
  it('the job on a busy replica finishes on the old release; then every replica is on the new one', async () => {
    const name = `${lab.prefix}-runners`;
    const replicas = async () => {
      const ids = (await lab.docker('ocean', ['ps', '-q', '--filter', `label=com.docker.compose.project=${name}`]))
        .split('\n')
        .filter(Boolean);
      return Promise.all(
        ids.map(async (id) => ({ id, release: (await lab.docker('ocean', ['exec', id, 'sh', '-c', 'echo $RELEASE'])).trim() })),
      );
    };
    lab.writeFiles('ocean', name, runners(name, 'r1'));
    const first = await lab.cli(['deploy', name]);
    expect(first.exitCode, first.all).toBe(0);
    const before = await replicas();
    expect(before.map((r) => r.release)).toEqual(['r1', 'r1', 'r1', 'r1']);

    // A job starts on one runner (the job that runs this deploy, in CI).
    const job = before[1]!.id;
    await lab.docker('ocean', ['exec', '-d', job, 'sh', '-c', 'while [ ! -e /tmp/job-done ]; do sleep 0.2; done; true', 'Runner.Worker']);
    await expect.poll(() => lab.docker('ocean', ['top', job]), { timeout: 5000 }).toContain('Runner.Worker');

    lab.writeFiles('ocean', name, runners(name, 'r2'));
    const second = await lab.cli(['deploy', name]);
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toMatch(/1 busy replica \(runner [0-9a-f]{12}\) keep the previous release until idle/);
    const during = await replicas();
    expect(during.filter((r) => r.release === 'r2')).toHaveLength(3);
    expect(during.find((r) => r.id === job)).toEqual({ id: job, release: 'r1' });
    expect(await lab.docker('ocean', ['top', job])).toContain('Runner.Worker'); // its job was not cut off

    // The job ends: the waiter on the host replaces that replica too.
    await lab.docker('ocean', ['exec', job, 'touch', '/tmp/job-done']);
    await expect
      .poll(async () => (await replicas()).map((r) => r.release).sort(), { timeout: 30_000, interval: 500 })
      .toEqual(['r2', 'r2', 'r2', 'r2']);
    expect((await replicas()).map((r) => r.id)).not.toContain(job);
  });
});
