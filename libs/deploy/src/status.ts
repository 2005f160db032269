// What runs where: each service's deployed release, its containers and one pass of its health test.
import type { Executor } from '@homelab/host';
import { quote } from '@homelab/host';
import { probeOnce } from '@homelab/health';
import type { HostSpec, LoadedService } from '@homelab/model';
import { probeTarget } from './probe-target.ts';
import { parseState, type DeployState } from './record.ts';

export interface StatusRow {
  service: string;
  host: string;
  version: string | undefined;
  release: string | undefined;
  gitSha: string | undefined;
  deployedAt: string | undefined;
  containers: string;
  health: string;
}

// Pure: prints each service dir's state.json and its running/total container counts.
export function statusScript(deployRoot: string): string {
  return `for s in ${quote(deployRoot)}/*/state.json; do [ -f "$s" ] || continue; d=$(dirname "$s"); n=$(basename "$d"); echo "--service-- $n $(docker ps -q --filter label=com.docker.compose.project=$n --filter status=running | wc -l) $(docker ps -aq --filter label=com.docker.compose.project=$n | wc -l)"; cat "$s"; echo; done`;
}

export function parseStatus(output: string): Array<{ service: string; running: number; total: number; state: DeployState | undefined }> {
  return output
    .split(/^--service-- /m)
    .filter((b) => b.trim())
    .map((block) => {
      const [head = '', ...rest] = block.split('\n');
      const [service = '', running = '0', total = '0'] = head.trim().split(/\s+/);
      return { service, running: Number(running), total: Number(total), state: parseState(rest.join('\n')) };
    });
}

export async function hostStatus(host: HostSpec, executor: Executor, services: LoadedService[]): Promise<StatusRow[]> {
  const out = await executor.sh(statusScript(host.deployRoot), { display: 'read deployed services' });
  const rows: StatusRow[] = [];
  for (const entry of parseStatus(out.stdout)) {
    const svc = services.find((s) => s.name === entry.service);
    let health = 'unknown (no service definition)';
    if (svc) {
      try {
        await probeOnce(svc.spec.health, probeTarget(host, executor, svc.name));
        health = 'healthy';
      } catch (error) {
        health = `unhealthy: ${(error as Error).message}`;
      }
    }
    const cur = entry.state?.current;
    rows.push({
      service: entry.service,
      host: host.name,
      version: cur?.version,
      release: cur?.id,
      gitSha: cur?.gitSha,
      deployedAt: cur?.deployedAt,
      containers: `${entry.running}/${entry.total} running`,
      health,
    });
  }
  return rows;
}
