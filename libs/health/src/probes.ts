// One try of each probe kind; a failure throws NotReadyError saying what was seen.
import { connect } from 'node:net';
import type { Probe } from '@homelab/model';
import { NotReadyError } from './errors.ts';

/** How a probe reaches the service: the host's address, and a way to ask its Docker. */
export interface ProbeTarget {
  address: string;
  /** Health of the compose service's containers, e.g. ["healthy"] or ["starting", "running"]. */
  containerStates: (service: string) => Promise<string[]>;
  /** GET `url` from inside a compose service's container. */
  containerHttp?: (service: string, url: string) => Promise<{ status: number; body: string }>;
  /** Runs `command` in a compose service's running container: its exit code and output (stdout and stderr). */
  containerExec?: (service: string, command: readonly string[]) => Promise<{ exitCode: number; output: string }>;
  fetch?: typeof fetch;
  /** Opens (and closes) a TCP connection; tests replace it. */
  connect?: (address: string, port: number, timeoutMs: number) => Promise<void>;
}

function jsonPath(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

// Checks status, body pattern and JSON fields of an HTTP answer.
async function get(
  probe: Extract<Probe, { type: 'http' }>,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<{ url: string; status: number; body: string }> {
  if (probe.container) {
    const url = `${probe.scheme}://127.0.0.1:${probe.port}${probe.path}`;
    if (!target.containerHttp) throw new Error('this probe target cannot reach into containers');
    return { url: `${url} (in ${probe.container})`, ...(await target.containerHttp(probe.container, url)) };
  }
  const host = target.address.includes(':') ? `[${target.address}]` : target.address;
  const url = `${probe.scheme}://${host}:${probe.port}${probe.path}`;
  try {
    const response = await (target.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { url, status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new NotReadyError(`GET ${url}: ${cause}`);
  }
}

export async function httpProbe(probe: Extract<Probe, { type: 'http' }>, target: ProbeTarget, timeoutMs = 5000): Promise<string> {
  const { url, status, body } = await get(probe, target, timeoutMs);
  if (!probe.expectStatus.includes(status))
    throw new NotReadyError(`GET ${url}: status ${status}, expected ${probe.expectStatus.join(' or ')}`);
  if (probe.expectBody && !new RegExp(probe.expectBody).test(body))
    throw new NotReadyError(`GET ${url}: body does not match /${probe.expectBody}/ (got ${JSON.stringify(body.slice(0, 120))})`);
  if (probe.expectJson) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new NotReadyError(`GET ${url}: body is not JSON (got ${JSON.stringify(body.slice(0, 120))})`);
    }
    for (const [path, expected] of Object.entries(probe.expectJson)) {
      const actual = jsonPath(json, path);
      if (actual !== expected)
        throw new NotReadyError(`GET ${url}: ${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  }
  return `GET ${url}: ${status}`;
}

export async function tcpProbe(probe: Extract<Probe, { type: 'tcp' }>, target: ProbeTarget, timeoutMs = 3000): Promise<string> {
  if (target.connect) {
    await target.connect(target.address, probe.port, timeoutMs);
    return `tcp ${target.address}:${probe.port} open`;
  }
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.address, port: probe.port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(`tcp ${target.address}:${probe.port} open`);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new NotReadyError(`tcp ${target.address}:${probe.port}: timed out`));
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      reject(new NotReadyError(`tcp ${target.address}:${probe.port}: ${e.code ?? e.message}`)),
    );
  });
}

export async function containerProbe(probe: Extract<Probe, { type: 'container' }>, target: ProbeTarget): Promise<string> {
  const states = await target.containerStates(probe.service);
  if (states.length === 0) throw new NotReadyError(`container ${probe.service}: not running`);
  const bad = states.filter((s) => s !== 'healthy');
  if (bad.length) throw new NotReadyError(`container ${probe.service}: ${bad.join(', ')}`);
  return `container ${probe.service}: healthy`;
}

// Runs a command in the container and checks its exit code and output: the application's own answer
// (redis-cli ping, a query as the application's database user), for services without HTTP.
export async function execProbe(probe: Extract<Probe, { type: 'exec' }>, target: ProbeTarget): Promise<string> {
  if (!target.containerExec) throw new Error('this probe target cannot run commands in containers');
  const shown = `exec ${probe.service}: ${probe.command.join(' ')}`;
  const { exitCode, output } = await target.containerExec(probe.service, probe.command);
  const seen = JSON.stringify(output.trim().slice(0, 160));
  if (exitCode !== 0) throw new NotReadyError(`${shown}: exit code ${exitCode} (output ${seen})`);
  if (!new RegExp(probe.expectOutput, 'm').test(output))
    throw new NotReadyError(`${shown}: output does not match /${probe.expectOutput}/ (got ${seen})`);
  return `${shown}: ${output.trim().split('\n')[0]?.slice(0, 80) ?? ''}`;
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<string> {
  switch (probe.type) {
    case 'http':
      return httpProbe(probe, target);
    case 'tcp':
      return tcpProbe(probe, target);
    case 'container':
      return containerProbe(probe, target);
    case 'exec':
      return execProbe(probe, target);
  }
}
