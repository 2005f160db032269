// What runs where: each service's deployed release, its containers and one pass of its health test.
import type { Executor } from '@homelab/host';
import { quote } from '@homelab/host';
import { probeOnce } from '@homelab/health';
import type { HostSpec, LoadedService } from '@homelab/model';
import { probeTarget } from './probe-target.ts';
import { interruptedNote, parseIntent, parseState, type DeployState, type Intent } from './record.ts';

export interface StatusRow {
  service: string;
  host: string;
  version: string | undefined;
  release: string | undefined;
  gitSha: string | undefined;
  deployedAt: string | undefined;
  containers: string;
  /** healthy, unhealthy: why, stopped (on purpose, by whom), UNVERIFIED: ..., unknown (...). */
  health: string;
  /** False when `current` points to a release that never passed its health test (an interrupted deploy). */
  verified: boolean;
}

// Pure: per service dir with a current link or a record: its running/total container counts and the
// link's target, its state.json, and its intent record (left when a deploy did not finish).
export function statusScript(deployRoot: string): string {
  const counts =
    '$(docker ps -q --filter label=com.docker.compose.project=$n --filter status=running | wc -l) $(docker ps -aq --filter label=com.docker.compose.project=$n | wc -l)';
  return `for d in ${quote(deployRoot)}/*/; do d=\${d%/}; [ -f "$d/state.json" ] || [ -L "$d/current" ] || continue; n=$(basename "$d"); echo "--service-- $n ${counts} $(readlink "$d/current" 2>/dev/null)"; cat "$d/state.json" 2>/dev/null; echo; echo --intent--; cat "$d/intent.json" 2>/dev/null; echo; done`;
}

export interface ServiceOnHost {
  service: string;
  running: number;
  total: number;
  current: string | undefined;
  state: DeployState | undefined;
  intent: Intent | undefined;
}

export function parseStatus(output: string): ServiceOnHost[] {
  return output
    .split(/^--service-- /m)
    .filter((b) => b.trim())
    .map((block) => {
      const [head = '', ...rest] = block.split('\n');
      const [service = '', running = '0', total = '0', current] = head.trim().split(/\s+/);
      const [state, intent] = rest.join('\n').split(/^--intent--$/m);
      return {
        service,
        running: Number(running),
        total: Number(total),
        current: current || undefined,
        state: parseState(state),
        intent: parseIntent(intent),
      };
    });
}

// Pure: the release that runs and whether it passed its health test. `current` is what runs; the record
// says what last passed. An intent record left behind, or a link to another release, is unverified.
export function runningRelease(entry: ServiceOnHost): { id: string | undefined; version: string | undefined; note: string | undefined } {
  const recorded = entry.state?.current;
  const id = entry.current?.replace(/^releases\//, '') ?? recorded?.id;
  if (entry.intent && (id === entry.intent.id || id === undefined))
    return { id, version: entry.intent.version, note: interruptedNote(entry.intent, entry.current) };
  if (id !== recorded?.id)
    return {
      id,
      version: undefined,
      note: `${id} is current but no health test of it is recorded (the last healthy release is ${recorded?.id ?? 'none'})`,
    };
  return { id, version: recorded?.version, note: undefined };
}

export async function hostStatus(host: HostSpec, executor: Executor, services: LoadedService[]): Promise<StatusRow[]> {
  const out = await executor.sh(statusScript(host.deployRoot), { display: 'read deployed services', retryConnection: false });
  const rows: StatusRow[] = [];
  for (const entry of parseStatus(out.stdout)) {
    const svc = services.find((s) => s.name === entry.service);
    const last = entry.state?.history[0];
    let health = 'unknown (no service definition)';
    // Stopped on purpose (homelab stop): said, not probed.
    if (last?.action === 'stop' && last.result === 'deployed' && entry.running === 0)
      health = `stopped (by ${last.by ?? 'homelab stop'} at ${last.at}; homelab start brings it back)`;
    else if (svc) {
      try {
        await probeOnce(svc.spec.health, probeTarget(host, executor, svc.name));
        health = 'healthy';
      } catch (error) {
        health = `unhealthy: ${(error as Error).message}`;
      }
    }
    const cur = entry.state?.current;
    const running = runningRelease(entry);
    rows.push({
      service: entry.service,
      host: host.name,
      version: running.version,
      release: running.id,
      gitSha: running.note ? entry.intent?.gitSha : cur?.gitSha,
      deployedAt: running.note ? undefined : cur?.deployedAt,
      containers: `${entry.running}/${entry.total} running`,
      health: running.note ? `UNVERIFIED: ${running.note}; probe now: ${health}` : health,
      verified: running.note === undefined,
    });
  }
  return rows;
}
