// Many services at once: hosts in parallel, one service at a time per host, a host that is down fails fast.
import { gpuPreflight } from '@homelab/gpu';
import { gatherFacts, type Executor, type HostFacts } from '@homelab/host';
import type { HostSpec, Inventory, LoadedService } from '@homelab/model';
import { deployService, type DeployInput } from './apply.ts';
import { deployResult, interruptedBy, type DeployResult } from './pipeline.ts';
import { servicePaths } from './layout.ts';
import { readStatesScript, splitStates } from './remote.ts';
import { rollbackService } from './rollback.ts';
import { operateService, type Operation } from './operate.ts';

export type Action = 'deploy' | 'plan' | 'rollback' | Operation;

export interface ManyOptions {
  action: Action;
  services: LoadedService[];
  inventory: Inventory;
  executorFor: (host: HostSpec) => Executor;
  secretsFor: (svc: LoadedService) => Promise<Record<string, string>>;
  gitSha: string;
  lockWaitMs: number;
  log: (service: string, host: string, message: string) => void;
  poll?: DeployInput['poll'];
  /** Aborted on SIGINT/SIGTERM: services not started yet are reported as interrupted. */
  signal?: AbortSignal;
  /** rollback: the release (id, prefix or version) to go back to. */
  to?: string;
  /** Who, for the host's history. */
  by?: string;
  /**
   * Local work that every decision waits for (validation, secrets, the commit and who acts), done while
   * the hosts are read: each host's first round trip (its facts and the state of its services, read
   * only) goes out at once, and nothing is decided, locked or changed on a host before this resolves.
   * What it resolves to replaces gitSha and by. When it rejects, runMany rejects with its error.
   */
  ready?: Promise<Pick<ManyOptions, 'gitSha' | 'by'>>;
}

// Pure: services grouped by the host they name, in the order given.
export function groupByHost(services: LoadedService[]): Map<string, LoadedService[]> {
  const groups = new Map<string, LoadedService[]>();
  for (const svc of services) groups.set(svc.spec.host, [...(groups.get(svc.spec.host) ?? []), svc]);
  return groups;
}

// Pure: what is wrong with Docker on a host whose daemon did not answer, and what to do.
export function dockerProblem(host: string, facts: HostFacts): string {
  if (!facts.dockerCli.installed)
    return `Docker is not installed on ${host}: install it (Debian: apt-get install docker.io; or Docker's docker-ce) and start it`;
  return `Docker is installed on ${host} but its daemon does not answer${facts.dockerCli.error ? ` (${facts.dockerCli.error})` : ''}: start it (systemctl start docker) and check \`journalctl -u docker\` if it does not stay up`;
}

function failed(svc: LoadedService, host: string, message: string, seconds = 0): DeployResult {
  return deployResult(svc.name, host, 'failed', { version: svc.version, seconds, message });
}

async function runHost(host: HostSpec, services: LoadedService[], given: ManyOptions): Promise<DeployResult[]> {
  const executor = given.executorFor(host);
  try {
    return await runOn(executor, host, services, given);
  } finally {
    await executor.close();
  }
}

async function runOn(executor: Executor, host: HostSpec, services: LoadedService[], given: ManyOptions): Promise<DeployResult[]> {
  const started = Date.now();
  let facts: HostFacts;
  // The facts and the state of every service of the host in one round trip: what changes nothing is
  // decided from it, without another.
  let states = new Map<string, string>();
  const readAt = Date.now();
  try {
    const reading = gatherFacts(executor, host.deployRoot, {
      script: readStatesScript(services.map((s) => ({ paths: servicePaths(host.deployRoot, s.name), project: s.name }))),
      display: `gather host facts and read the deployed state of ${services.length} service(s)`,
    });
    // A local failure ends the wait for a host at once (a host that is down takes seconds to say so).
    const read = await (given.ready ? Promise.race([reading, given.ready.then(() => reading)]) : reading);
    facts = read;
    states = splitStates(read.after);
    if (!facts.docker) throw new Error(dockerProblem(host.name, facts));
    if (!facts.compose) throw new Error(`the Docker Compose v2 plugin is missing on ${host.name}: install docker-compose-plugin`);
  } catch (error) {
    await given.ready; // a local failure (validation) is the one to report
    const message = error instanceof Error ? error.message : String(error);
    return services.map((svc) => failed(svc, host.name, message, (Date.now() - started) / 1000));
  }
  const options = { ...given, ...(await given.ready) };
  const results: DeployResult[] = [];
  const changes = options.action === 'deploy' || options.action === 'plan';
  // A GPU service is refused before its host changes when the host's real GPUs do not match.
  const refused = new Map(
    services.flatMap((svc) => {
      const problem = svc.spec.gpu && changes ? gpuPreflight(svc.name, svc.spec.gpu, host, facts) : undefined;
      return problem ? [[svc.name, problem.message] as const] : [];
    }),
  );
  for (const svc of services) {
    const by = interruptedBy(options.signal);
    if (by) {
      results.push(deployResult(svc.name, host.name, 'interrupted', { version: svc.version, message: `not started: stopped by ${by}` }));
      continue;
    }
    const log = (m: string) => options.log(svc.name, host.name, m);
    const base = {
      svc,
      host,
      executor,
      gitSha: options.gitSha,
      systemd: facts.systemd,
      lockWaitMs: options.lockWaitMs,
      log,
      poll: options.poll,
      signal: options.signal,
      by: options.by,
      // Fresh enough to decide on: a long earlier step (a health gate) means reading again.
      prefetched: Date.now() - readAt < 5000 ? states.get(svc.name) : undefined,
    };
    // A GPU service is refused before its host changes when the host's real GPUs do not match.
    const { action } = options;
    const gpuProblem = refused.get(svc.name);
    try {
      if (gpuProblem) results.push(failed(svc, host.name, gpuProblem));
      else if (options.action === 'rollback') results.push(await rollbackService({ ...base, to: options.to }));
      else if (action === 'restart' || action === 'stop' || action === 'start') results.push(await operateService(base, action));
      else
        results.push(
          await deployService({
            ...base,
            images: options.inventory.images,
            secrets: await options.secretsFor(svc),
            dryRun: options.action === 'plan',
          }),
        );
    } catch (error) {
      results.push(failed(svc, host.name, error instanceof Error ? error.message : String(error)));
    }
    options.log(svc.name, host.name, `${results.at(-1)!.result}`);
  }
  return results;
}

export async function runMany(options: ManyOptions): Promise<DeployResult[]> {
  // Handled here at once: it may reject before a host awaits it.
  options.ready?.catch(() => undefined);
  const groups = groupByHost(options.services);
  const settled = await Promise.allSettled(
    [...groups].map(([hostName, services]) => {
      const host = options.inventory.hosts[hostName];
      if (!host)
        return Promise.resolve(
          services.map((s) => failed(s, hostName, `host "${hostName}" is not in inventory ${options.inventory.name}`)),
        );
      return runHost(host, services, options);
    }),
  );
  // Every host is done (its connection closed) before a failure is thrown; a local failure first.
  await options.ready;
  const perHost = settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  const order = new Map(options.services.map((s, i) => [s.name, i]));
  return perHost.flat().sort((a, b) => (order.get(a.service) ?? 0) - (order.get(b.service) ?? 0));
}
