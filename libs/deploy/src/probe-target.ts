// How the health test reaches a deployed service: its host's address, and its containers over the executor.
import type { Executor } from '@homelab/host';
import type { HostSpec } from '@homelab/model';
import type { ProbeTarget } from '@homelab/health';
import { containerStatesScript } from './remote.ts';

// "running healthy" -> healthy; "running " (no healthcheck) -> healthy; "exited " -> exited.
export function containerState(line: string): string {
  const [status = '', health = ''] = line.trim().split(' ');
  if (status !== 'running') return status || 'missing';
  return health || 'healthy';
}

export function probeTarget(host: HostSpec, executor: Executor, project: string): ProbeTarget {
  return {
    address: host.address,
    containerStates: async (service) => {
      const out = await executor.sh(containerStatesScript(project, service), { display: `docker inspect ${project}/${service}` });
      return out.stdout.split('\n').filter((l) => l.trim()).map(containerState);
    },
  };
}
