// How the health test reaches a deployed service: its host's address, and its containers over the executor.
import type { Executor } from '@homelab/host';
import type { HostSpec } from '@homelab/model';
import { NotReadyError, type ProbeTarget } from '@homelab/health';
import { containerExecScript, containerHttpScript, containerStatesScript } from './remote.ts';

// "running healthy" -> healthy; "running " (no healthcheck) -> healthy; "exited " -> exited.
export function containerState(line: string): string {
  const [status = '', health = ''] = line.trim().split(' ');
  if (status !== 'running') return status || 'missing';
  return health || 'healthy';
}

// Reads what containerHttpScript printed: the last HTTP status line of the headers, and the body.
export function parseContainerHttp(output: string, service: string, url: string): { status: number; body: string } {
  if (output.startsWith('--none--')) throw new NotReadyError(`GET ${url} (in ${service}): no running container`);
  const cut = output.indexOf('--body--\n');
  const head = cut < 0 ? output : output.slice(0, cut);
  const statuses = [...head.matchAll(/HTTP\/[\d.]+ (\d{3})/g)];
  const status = Number(statuses.at(-1)?.[1] ?? 0);
  if (!status) throw new NotReadyError(`GET ${url} (in ${service}): ${head.trim().split('\n').at(-1) ?? 'no answer'}`);
  return { status, body: cut < 0 ? '' : output.slice(cut + 9) };
}

// Reads what containerExecScript printed: the command's output, then its exit code.
export function parseContainerExec(output: string, service: string): { exitCode: number; output: string } {
  if (output.startsWith('--none--')) throw new NotReadyError(`exec ${service}: no running container`);
  const m = /\n--exit-- (\d+)\n?$/.exec(output);
  if (!m) throw new NotReadyError(`exec ${service}: no exit code in ${JSON.stringify(output.slice(-120))}`);
  return { exitCode: Number(m[1]), output: output.slice(0, m.index) };
}

export function probeTarget(host: HostSpec, executor: Executor, project: string): ProbeTarget {
  return {
    address: host.address,
    containerStates: async (service) => {
      const out = await executor.sh(containerStatesScript(project, service), { display: `docker inspect ${project}/${service}` });
      return out.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map(containerState);
    },
    containerHttp: async (service, url) => {
      const out = await executor.sh(containerHttpScript(project, service, url), {
        display: `GET ${url} in ${project}/${service}`,
        allowFailure: true,
      });
      return parseContainerHttp(out.stdout, service, url);
    },
    containerExec: async (service, command) => {
      const out = await executor.sh(containerExecScript(project, service, command), {
        display: `docker exec ${project}/${service} ${command[0]}`,
        allowFailure: true,
      });
      return parseContainerExec(out.stdout, service);
    },
  };
}
