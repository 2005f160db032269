// Brings one lab host up (namespace, veth, sshd, dockerd) or down; every step checks before it acts.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import { dockerdArgs, sshdConfig, type LabHost } from './layout.ts';

// Whether process `pid` runs `command` and is not a zombie (killed but not reaped).
function running(pid: number, command: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // exited in the meantime
  }
}

// The pid in `pidFile` when that process is running `command`. The pid file may vanish at any
// moment (a stopping dockerd removes its own), so it is read once, never checked first.
function alive(pidFile: string, command: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  return pid && running(pid, command) ? pid : undefined;
}

async function ensureNetwork(h: LabHost): Promise<void> {
  const exists = (await $`ip netns list`.quiet()).stdout.split('\n').some((l) => l.split(' ')[0] === h.netns);
  if (!exists) await $`ip netns add ${h.netns}`;
  const outside = (await $`ip link show ${h.vethOutside}`.quiet().nothrow()).exitCode === 0;
  const inside = (await $`ip netns exec ${h.netns} ip link show ${h.vethInside}`.quiet().nothrow()).exitCode === 0;
  if (!outside || !inside) {
    await $`ip link del ${h.vethOutside}`.quiet().nothrow();
    await $`ip link add ${h.vethOutside} type veth peer name ${h.vethInside}`;
    await $`ip link set ${h.vethInside} netns ${h.netns}`;
  }
  await $`ip addr replace ${h.gateway}/24 dev ${h.vethOutside}`;
  await $`ip link set ${h.vethOutside} up`;
  await $`ip netns exec ${h.netns} ip addr replace ${h.address}/24 dev ${h.vethInside}`;
  await $`ip netns exec ${h.netns} ip link set ${h.vethInside} up`;
  await $`ip netns exec ${h.netns} ip link set lo up`;
  await $`ip netns exec ${h.netns} ip route replace default via ${h.gateway}`;
}

async function ensureSshd(h: LabHost, clientPublicKey: string): Promise<void> {
  const key = `${h.stateDir}/ssh_host_ed25519_key`;
  if (!existsSync(key)) await $`ssh-keygen -q -t ed25519 -N ${''} -C ${`lab-${h.name}`} -f ${key}`;
  // Several checkouts may share the lab: each adds its client key.
  const authorized = `${h.stateDir}/authorized_keys`;
  const keys = existsSync(authorized) ? readFileSync(authorized, 'utf8') : '';
  if (!keys.split('\n').includes(clientPublicKey.trim())) writeFileSync(authorized, `${keys}${clientPublicKey.trim()}\n`, { mode: 0o600 });
  writeFileSync(`${h.stateDir}/sshd_config`, sshdConfig(h));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  if (alive(`${h.runDir}/sshd.pid`, 'sshd')) return;
  await $`nsenter --net=/run/netns/${h.netns} /usr/sbin/sshd -f ${h.stateDir}/sshd_config`;
}

async function dockerReady(h: LabHost): Promise<boolean> {
  return (
    (
      await $({ env: { ...process.env, DOCKER_HOST: `unix://${h.dockerSocket}` } })`docker info --format {{.ServerVersion}}`
        .quiet()
        .nothrow()
    ).exitCode === 0
  );
}

// Processes a killed dockerd left behind (its containerd and shims) hold its state: they go first.
async function killStragglers(h: LabHost): Promise<void> {
  const marker = `${h.runDir}/exec`;
  const pids = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
  for (const pid of pids) signal(Number(pid), 'SIGKILL');
  if (pids.length) await sleep(500);
}

async function ensureDockerd(h: LabHost): Promise<void> {
  const old = alive(`${h.runDir}/dockerd.pid`, 'dockerd');
  if (old && (await dockerReady(h))) return;
  if (old) signal(old, 'SIGKILL'); // running but not answering
  await killStragglers(h);
  // A pid file naming a dead (or zombie) containerd makes the new dockerd wait for it in vain.
  rmSync(`${h.runDir}/exec/containerd/containerd.pid`, { force: true });
  rmSync(`${h.runDir}/dockerd.pid`, { force: true });
  rmSync(h.dockerSocket, { force: true });
  const log = openSync(`${h.stateDir}/dockerd.log`, 'a');
  const child = spawn('nsenter', [`--net=/run/netns/${h.netns}`, 'dockerd', ...dockerdArgs(h)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  closeSync(log);
  for (let i = 0; i < 240; i++) {
    if (await dockerReady(h)) return;
    if (child.exitCode !== null) break;
    await sleep(250);
  }
  throw new Error(`lab host ${h.name}: dockerd did not start; see ${h.stateDir}/dockerd.log`);
}

// Creates or repairs one lab host; safe to run again after its processes were killed.
export async function hostUp(h: LabHost, clientPublicKey: string): Promise<void> {
  mkdirSync(h.runDir, { recursive: true });
  mkdirSync(h.stateDir, { recursive: true });
  await ensureNetwork(h);
  await ensureSshd(h, clientPublicKey);
  await ensureDockerd(h);
}

// Whether process `pid` is gone within `ms`.
async function exited(pid: number, command: string, ms: number): Promise<boolean> {
  for (let i = 0; i < ms / 250 && running(pid, command); i++) await sleep(250);
  return !running(pid, command);
}

// SIGTERM, then SIGKILL after `graceMs`; waits on the pid itself: the pid file may be gone before the process is.
export async function stop(pidFile: string, command: string, graceMs = 20_000): Promise<void> {
  const pid = alive(pidFile, command);
  if (!pid) return;
  signal(pid, 'SIGTERM');
  if (!(await exited(pid, command, graceMs))) {
    signal(pid, 'SIGKILL');
    await exited(pid, command, 10_000);
  }
}

// Stops the host's processes and removes everything `hostUp` made.
export async function hostDown(h: LabHost): Promise<void> {
  await $({
    env: { ...process.env, DOCKER_HOST: `unix://${h.dockerSocket}` },
  })`sh -c ${'ids=$(docker ps -aq) && [ -n "$ids" ] && docker rm -f $ids'}`
    .quiet()
    .nothrow();
  await stop(`${h.runDir}/dockerd.pid`, 'dockerd');
  await stop(`${h.runDir}/sshd.pid`, 'sshd');
  await $`ip link del ${h.vethOutside}`.quiet().nothrow();
  await $`ip netns del ${h.netns}`.quiet().nothrow();
  // Mounts that dockerd left behind must go before its data can be removed.
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${h.stateDir}/`) || m.startsWith(`${h.runDir}/`));
  for (const m of mounts.sort().reverse()) await $`umount -l ${m}`.quiet().nothrow();
  rmSync(h.runDir, { recursive: true, force: true });
  rmSync(h.stateDir, { recursive: true, force: true });
}

export async function hostStatus(h: LabHost): Promise<{ host: string; address: string; netns: boolean; sshd: boolean; dockerd: boolean }> {
  const netns = (await $`ip netns list`.quiet()).stdout.split('\n').some((l) => l.split(' ')[0] === h.netns);
  return {
    host: h.name,
    address: h.address,
    netns,
    sshd: alive(`${h.runDir}/sshd.pid`, 'sshd') !== undefined,
    dockerd: alive(`${h.runDir}/dockerd.pid`, 'dockerd') !== undefined && (await dockerReady(h)),
  };
}
