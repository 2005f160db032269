// Every service's health test against responses shaped like the real application's (recorded from
// its documented API, in packages/<service>/health.recorded.json): it passes on the "ready" answer
// and fails on the "not ready" one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotReadyError, probeOnce, type ProbeTarget } from '@homelab/health';
import { repoRoot } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';

interface Recorded {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
type Recording = Record<string, { ready: Recorded; notReady: Recorded }>;

function target(recording: Recording, which: 'ready' | 'notReady', only?: string): ProbeTarget {
  const answer = (url: string) => {
    const u = new URL(url);
    const path = u.pathname + u.search;
    const entry = recording[path];
    if (!entry) throw new Error(`no recorded answer for ${path}`);
    return path === only || only === undefined ? entry[which] : entry.ready;
  };
  return {
    address: '127.0.0.1',
    containerStates: async () => ['healthy'],
    connect: async () => {},
    containerHttp: async (_service, url) => {
      const r = answer(url);
      return { status: r.status, body: r.body };
    },
    fetch: (async (url: string | URL) => {
      const r = answer(String(url));
      return new Response(r.body, { status: r.status, headers: r.headers });
    }) as typeof fetch,
  };
}

const { workspace } = await loadWorkspace('production', repoRoot);

describe('health tests against recorded application answers', () => {
  for (const svc of workspace.services) {
    const file = join(svc.dir, 'health.recorded.json');
    const httpPaths = svc.spec.health.probes.flatMap((p) => (p.type === 'http' ? [p.path] : []));

    it(`${svc.name}: every HTTP probe has a recorded answer`, () => {
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      for (const path of httpPaths) expect(Object.keys(recording), `${svc.name} ${path}`).toContain(path);
    });

    it.runIf(httpPaths.length > 0)(`${svc.name}: healthy on the ready answer, not ready on each not-ready answer`, async () => {
      const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
      await expect(probeOnce(svc.spec.health, target(recording, 'ready'))).resolves.toHaveLength(svc.spec.health.probes.length);
      for (const path of httpPaths) {
        await expect(probeOnce(svc.spec.health, target(recording, 'notReady', path)), path).rejects.toBeInstanceOf(NotReadyError);
      }
    });
  }
});
