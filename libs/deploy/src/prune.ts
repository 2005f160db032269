// `homelab prune`: what a host keeps that no retained release needs: release folders beyond the newest
// `keep` of each service (never the current one, nor the last healthy one a rollback goes back to),
// leftovers of interrupted stagings (*.partial), and the images that only the removed release folders
// named. An image no release of ours named is never touched (another stack may need it).
import { HostLock, quote, type Executor } from '@homelab/host';
import type { HostSpec } from '@homelab/model';
import { keepReleases } from './layout.ts';

export interface HostInventory {
  /** service -> its release folders, the one `current` points to, and the last healthy one (state.json). */
  services: Array<{ service: string; releases: string[]; current: string | undefined; healthy: string | undefined }>;
  /** release folder (service/releases/id) -> the images its compose file names. */
  images: Map<string, string[]>;
  /** What the host's Docker holds: repository:tag and image id. */
  hostImages: Array<{ ref: string; id: string }>;
}

export interface PrunePlan {
  host: string;
  releases: string[];
  images: string[];
}

// Pure: lists each service's releases and current link, each kept release's image lines, and Docker's images.
export function pruneInventoryScript(deployRoot: string): string {
  const root = quote(deployRoot);
  return [
    `for d in ${root}/*/releases; do [ -d "$d" ] || continue; p=$(dirname "$d"); s=$(basename "$p"); echo "--service-- $s $(readlink "$p/current" 2>/dev/null || echo -) $(grep -o '"id": *"[^"]*"' "$p/state.json" 2>/dev/null | head -n 1 | cut -d'"' -f4)"; ls -1 "$d"; done`,
    `for f in ${root}/*/releases/*/compose.yaml; do [ -f "$f" ] || continue; echo "--compose-- $f"; grep -E '^[[:space:]]+image:' "$f" || true; done`,
    `echo --docker--; docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>/dev/null || true`,
  ].join('\n');
}

export function parsePruneInventory(output: string, deployRoot: string): HostInventory {
  const services: HostInventory['services'] = [];
  const images = new Map<string, string[]>();
  const hostImages: HostInventory['hostImages'] = [];
  let mode: 'service' | 'compose' | 'docker' | undefined;
  let key = '';
  for (const line of output.split('\n')) {
    if (line.startsWith('--service-- ')) {
      const [service = '', current, healthy] = line.slice(12).trim().split(/\s+/);
      const id = (x: string | undefined) => (x && x !== '-' ? x.replace(/^releases\//, '') : undefined);
      services.push({ service, releases: [], current: id(current), healthy: id(healthy) });
      mode = 'service';
    } else if (line.startsWith('--compose-- ')) {
      key = line
        .slice(12)
        .trim()
        .replace(`${deployRoot}/`, '')
        .replace(/\/compose\.yaml$/, '');
      images.set(key, []);
      mode = 'compose';
    } else if (line === '--docker--') mode = 'docker';
    else if (!line.trim()) continue;
    else if (mode === 'service') services.at(-1)?.releases.push(line.trim());
    else if (mode === 'compose')
      images.get(key)?.push(
        line
          .replace(/^\s*image:\s*/, '')
          .replace(/^["']|["']$/g, '')
          .trim(),
      );
    else if (mode === 'docker') {
      const [ref = '', id = ''] = line.trim().split(/\s+/);
      hostImages.push({ ref, id });
    }
  }
  return { services, images, hostImages };
}

// Pure: what to remove. Per service: folders beyond the newest `keep` complete ones, except the current
// and the last healthy one; every *.partial (the caller holds the host lock, so none is being staged).
// Images: those the removed folders named, that no retained release names, and that the host holds.
export function planPrune(host: string, inv: HostInventory, keep = keepReleases): PrunePlan {
  const releases: string[] = [];
  const retained: string[] = [];
  for (const s of inv.services) {
    const complete = s.releases.filter((r) => !r.endsWith('.partial')).sort();
    const kept = new Set([...complete.slice(-keep), ...[s.current, s.healthy].filter((r): r is string => r !== undefined)]);
    for (const r of s.releases) (kept.has(r) ? retained : releases).push(`${s.service}/releases/${r}`);
  }
  const needed = new Set(retained.flatMap((r) => inv.images.get(r) ?? []));
  const onHost = new Set(inv.hostImages.map((i) => i.ref));
  const images = releases.flatMap((r) => inv.images.get(r) ?? []).filter((ref) => !needed.has(ref) && onHost.has(ref));
  return { host, releases: releases.sort(), images: [...new Set(images)].sort() };
}

// Pure: removes the planned folders, then the images (one Docker still uses stays, said on stderr).
export function pruneHostScript(deployRoot: string, plan: PrunePlan): string {
  const steps = [];
  if (plan.releases.length) steps.push(`rm -rf ${plan.releases.map((r) => quote(`${deployRoot}/${r}`)).join(' ')}`);
  for (const image of plan.images)
    steps.push(`docker rmi ${quote(image)} >/dev/null 2>&1 || echo "kept ${image}: a container still uses it" >&2`);
  return steps.length ? steps.join('\n') : 'true';
}

export async function pruneHost(
  host: HostSpec,
  executor: Executor,
  options: { dryRun: boolean; keep?: number; lockWaitMs: number },
): Promise<PrunePlan & { kept: string[] }> {
  const lock = new HostLock(executor, host.deployRoot);
  if (!options.dryRun) await lock.acquire({ command: 'prune', waitMs: options.lockWaitMs });
  try {
    const out = await executor.sh(pruneInventoryScript(host.deployRoot), { display: 'list releases and images' });
    const plan = planPrune(host.name, parsePruneInventory(out.stdout, host.deployRoot), options.keep);
    if (options.dryRun) return { ...plan, kept: [] };
    const done = await executor.sh(pruneHostScript(host.deployRoot, plan), { display: 'remove unneeded releases and images' });
    const kept = [...done.stderr.matchAll(/^kept (\S+):/gm)].map((m) => m[1]!);
    return { ...plan, images: plan.images.filter((i) => !kept.includes(i)), kept };
  } finally {
    if (!options.dryRun) await lock.release().catch(() => undefined);
  }
}
