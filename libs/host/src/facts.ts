// Host facts from one SSH round trip: Docker and Compose versions, systemd, NVIDIA GPUs, free disk.
import { NvidiaSmiParseError, nvidiaSmiQuery, parseNvidiaSmi, type GpuFact } from '@homelab/gpu';
import type { Executor } from './executor.ts';
import { join, quote } from './shell.ts';

export interface HostFacts {
  /** The Docker daemon's version; undefined when it does not answer. */
  docker: string | undefined;
  /** Whether the docker command exists, and what it said when the daemon did not answer. */
  dockerCli: { installed: boolean; error?: string };
  compose: string | undefined;
  /** True where systemd is PID 1 (/run/systemd/system exists). */
  systemd: boolean;
  gpus: GpuFact[];
  /** Whether nvidia-smi is installed, and what it said when it failed (exit code or unreadable output). */
  nvidiaSmi: { installed: boolean; error?: string };
  freeDiskMiB: number | undefined;
}

// Pure: the script that prints the facts, one `key=value` line each, GPUs between markers.
export function factsScript(deployRoot: string): string {
  return [
    // The Compose plugin answers in about 0.1 s: asked while the daemon is, not after it.
    `c=$(mktemp); docker compose version --short >"$c" 2>/dev/null & cpid=$!`,
    `if command -v docker >/dev/null 2>&1; then echo docker_cli=yes; v=$(docker version --format '{{.Server.Version}}' 2>&1) && echo "docker=$v" || echo "docker_error=$(printf '%s' "$v" | grep -v '^ *$' | tail -n 1)"; else echo docker_cli=no; fi`,
    `wait $cpid; echo "compose=$(cat "$c")"; rm -f "$c"`,
    `if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi`,
    `if command -v nvidia-smi >/dev/null 2>&1; then echo '--gpus--'; ${join(['nvidia-smi', ...nvidiaSmiQuery])} 2>&1; echo "--end-- $?"; fi`,
    `d=${quote(deployRoot)}; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; echo "disk=$(df -Pk "$d" | awk 'NR==2 {print $4}')"`,
  ].join('\n');
}

// Pure: reads what factsScript printed.
export function parseFacts(output: string, host: string): HostFacts {
  const value = (key: string) => output.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1]?.trim() || undefined;
  const disk = value('disk');
  return {
    docker: value('docker'),
    dockerCli: { installed: value('docker_cli') === 'yes', ...(value('docker_error') ? { error: value('docker_error') } : {}) },
    compose: value('compose'),
    systemd: value('systemd') === 'yes',
    ...gpuFacts(output, host),
    freeDiskMiB: disk ? Math.floor(Number(disk) / 1024) : undefined,
  };
}

// A broken NVIDIA driver is a fact about the host, not a failure to read it: only GPU services
// need the GPUs, and they are refused with nvidia-smi's own words (see gpuPreflight).
function gpuFacts(output: string, host: string): Pick<HostFacts, 'gpus' | 'nvidiaSmi'> {
  const block = output.match(/^--gpus--\n([\s\S]*?)^--end-- (\d+)$/m);
  if (!block) return { gpus: [], nvidiaSmi: { installed: false } };
  const [, text = '', code] = block;
  if (code !== '0')
    return { gpus: [], nvidiaSmi: { installed: true, error: `nvidia-smi exited with code ${code}: ${text.trim() || 'no output'}` } };
  try {
    return { gpus: parseNvidiaSmi(text, host), nvidiaSmi: { installed: true } };
  } catch (error) {
    if (!(error instanceof NvidiaSmiParseError)) throw error;
    return { gpus: [], nvidiaSmi: { installed: true, error: error.message } };
  }
}

// The end of the facts in gatherFacts' output when a caller's script follows them.
const factsEnd = '--end-of-facts--';

export async function gatherFacts(executor: Executor, deployRoot: string): Promise<HostFacts>;
// With a caller's script run in the same round trip, after the facts: its output comes back as `after`
// (the deploy reads the state of its services this way). The script's exit code is not checked.
export async function gatherFacts(
  executor: Executor,
  deployRoot: string,
  after: { script: string; display: string },
): Promise<HostFacts & { after: string }>;
export async function gatherFacts(
  executor: Executor,
  deployRoot: string,
  after?: { script: string; display: string },
): Promise<HostFacts & { after?: string }> {
  // The first command to a host: bounded, so a host that is down fails in seconds instead of hanging.
  const result = await executor.sh(after ? `${factsScript(deployRoot)}\necho '${factsEnd}'\n${after.script}\n:` : factsScript(deployRoot), {
    display: after?.display ?? 'gather host facts',
    timeoutMs: 12_000,
    // The first contact, before anything changes: a host that does not answer fails at once (nothing changed).
    retryConnection: false,
  });
  if (!after) return parseFacts(result.stdout, executor.host);
  const at = result.stdout.indexOf(`\n${factsEnd}\n`);
  const facts = parseFacts(at < 0 ? result.stdout : result.stdout.slice(0, at), executor.host);
  return { ...facts, after: at < 0 ? '' : result.stdout.slice(at + factsEnd.length + 2) };
}
