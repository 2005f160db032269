// Pure: what a service's release on its host is made of, part by part, so that two revisions of the
// repository can be compared without contacting a host (`homelab affected`). Secret values are not
// here: the caller compares them (it may hold the vault password); their names are.
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { HostSpec, Inventory, LoadedService } from '@homelab/model';
import type { RenderTarget } from './compose.ts';

export interface ReleaseFingerprint {
  service: string;
  host: string;
  /** Part name (compose.yaml, systemd unit, files/<path>, health test, placement, secret names) -> sha256 of its content. */
  parts: Record<string, string>;
  /** Compose service -> the image it runs, after the inventory's image map. */
  images: Record<string, string>;
  /** Names of the secrets the release carries. */
  secrets: string[];
}

/** The rendering a fingerprint is made from: the revision's own renderRelease, so that its code decides. */
export type RenderReleaseFn = (
  svc: LoadedService,
  target: RenderTarget,
  secrets: Record<string, string>,
) => { compose: string; unit: string; files: Record<string, string> };

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

// Where a release goes: the host and how it is reached, not the local paths of this checkout.
function placementOf(host: HostSpec): string {
  return JSON.stringify({
    host: host.name,
    address: host.address,
    user: host.ssh.user,
    port: host.ssh.port,
    deployRoot: host.deployRoot,
    dockerHost: host.dockerHost ?? null,
  });
}

// The fingerprint of one service on its host in `inventory`; `root` (the checkout the revision was
// read from) is written as <root> so that two checkouts of the same content compare equal.
export function releaseFingerprint(
  svc: LoadedService,
  inventory: Inventory,
  renderRelease: RenderReleaseFn,
  root: string,
): ReleaseFingerprint | undefined {
  const host = inventory.hosts[svc.spec.host];
  if (!host) return undefined;
  const secrets = [...svc.spec.secrets].sort();
  const release = renderRelease(svc, { host, images: inventory.images }, Object.fromEntries(secrets.map((n) => [n, `\${${n}}`])));
  const portable = (text: string) => text.replaceAll(root, '<root>');
  const parts: Record<string, string> = {
    // Images are compared on their own (the image lines), so that "compose.yaml changed" means the rest did.
    'compose.yaml': sha(portable(release.compose).replace(/^(\s*image:).*$/gm, '$1')),
    'systemd unit': sha(portable(release.unit)),
    'health test': sha(JSON.stringify(svc.spec.health)),
    placement: sha(placementOf(host)),
    'secret names': sha(secrets.join('\n')),
  };
  for (const [path, content] of Object.entries(release.files)) parts[path] = sha(portable(content));
  const compose = parse(release.compose) as { services?: Record<string, { image?: string }> } | null;
  const images = Object.fromEntries(Object.entries(compose?.services ?? {}).map(([name, def]) => [name, String(def.image ?? '')]));
  return { service: svc.name, host: host.name, parts, images, secrets };
}
