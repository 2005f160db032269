// Every service's health test against responses shaped like the real application's (recorded from
// its documented API, in packages/<service>/health.recorded.json; exec probes: what the command
// printed, recorded from the real server in the lab): it passes on the "ready" answer and fails on
// the "not ready" one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotReadyError, probeOnce, type ProbeTarget } from '@homelab/health';
import type { Probe } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';

interface Recorded {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
/** What a command printed in the container, for exec probes (recorded under "exec <compose service>"). */
interface RecordedExec {
  exitCode: number;
  output: string;
}
type Recording = Record<string, { ready: Recorded; notReady: Recorded } | { ready: RecordedExec; notReady: RecordedExec }>;

function key(probe: Probe): string | undefined {
  return probe.type === 'http' ? probe.path : probe.type === 'exec' ? `exec ${probe.service}` : undefined;
}

function target(recording: Recording, which: 'ready' | 'notReady', only?: string): ProbeTarget {
  const recorded = (name: string) => {
    const entry = recording[name];
    if (!entry) throw new Error(`no recorded answer for ${name}`);
    return name === only || only === undefined ? entry[which] : entry.ready;
  };
  const answer = (url: string) => {
    const u = new URL(url);
    return recorded(u.pathname + u.search) as Recorded;
  };
  return {
    address: '127.0.0.1',
    containerStates: async () => ['healthy'],
    connect: async () => {},
    containerHttp: async (_service, url) => {
      const r = answer(url);
      return { status: r.status, body: r.body };
    },
    containerExec: async (service) => recorded(`exec ${service}`) as RecordedExec,
    fetch: (async (url: string | URL) => {
      const r = answer(String(url));
      // A 204 (Strapi's /_health) or 304 answer has no body: Response refuses one, even empty.
      return new Response([204, 205, 304].includes(r.status) ? null : r.body, { status: r.status, headers: r.headers });
    }) as typeof fetch,
  };
}

const { workspace } = await loadWorkspace('production', repoRoot);

describe('health tests against recorded application answers', () => {
  for (const svc of workspace.services) {
    const file = join(svc.dir, 'health.recorded.json');
    const probeKeys = svc.spec.health.probes.flatMap((p) => key(p) ?? []);

    it(`${svc.name}: every HTTP and exec probe has a recorded answer`, () => {
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      for (const path of probeKeys) expect(Object.keys(recording), `${svc.name} ${path}`).toContain(path);
    });

    it.runIf(probeKeys.length > 0)(`${svc.name}: healthy on the ready answer, not ready on each not-ready answer`, async () => {
      const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      await expect(probeOnce(svc.spec.health, target(recording, 'ready'))).resolves.toHaveLength(svc.spec.health.probes.length);
      for (const path of probeKeys) {
        await expect(probeOnce(svc.spec.health, target(recording, 'notReady', path)), path).rejects.toBeInstanceOf(NotReadyError);
      }
    });
  }
});
