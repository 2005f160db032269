// Pure: every file of one release and the hash that says whether anything changed.
import { createHash } from 'node:crypto';
import type { LoadedService } from '@homelab/model';
import { bindDirectories, composeText, externalNetworks, renderComposeObject, type RenderTarget } from './compose.ts';
import { renderEnvFile } from './env-file.ts';
import { renderSystemdUnit, unitName } from './systemd-unit.ts';

export interface RenderedRelease {
  service: string;
  host: string;
  compose: string;
  env: string;
  unit: string;
  unitName: string;
  /** Configuration files, by path inside the release (files/...). */
  files: Record<string, string>;
  /** Bind-mount directories under the host's data/config paths, created owned by uid:gid when missing. */
  dirs: string[];
  /** External networks the release joins (web_proxy), created on the host when missing. */
  networks: string[];
  /** sha256 over compose, .env, unit and every file under files/: equal hashes mean nothing to deploy. */
  hash: string;
}

export function releaseHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part.length}:`).update(part);
  return h.digest('hex');
}

// Renders a service for its host; `secrets` holds the resolved values of spec.secrets.
export function renderRelease(svc: LoadedService, target: RenderTarget, secrets: Record<string, string>): RenderedRelease {
  const rendered = renderComposeObject(svc, target);
  const compose = composeText(svc, target.host, rendered);
  const env = renderEnvFile(svc.spec.secrets, secrets);
  const unit = renderSystemdUnit(svc, target.host);
  const files = Object.fromEntries(Object.entries(svc.configFiles).map(([path, content]) => [`files/${path}`, content]));
  const hash = releaseHash([compose, env, unit, ...Object.entries(files).flat()]);
  return {
    service: svc.name,
    host: target.host.name,
    compose,
    env,
    unit,
    unitName: unitName(svc.name),
    files,
    dirs: bindDirectories(rendered, target.host),
    networks: externalNetworks(rendered),
    hash,
  };
}

export interface ReleaseFile {
  /** Path inside the release folder. */
  name: string;
  content: string;
  mode: '0600' | '0644';
}

// Every file a release folder holds, in upload order; .env alone is private (0600).
export function releaseFiles(release: RenderedRelease): ReleaseFile[] {
  return [
    { name: 'compose.yaml', content: release.compose, mode: '0644' },
    { name: '.env', content: release.env, mode: '0600' },
    { name: release.unitName, content: release.unit, mode: '0644' },
    ...Object.entries(release.files).map(([name, content]): ReleaseFile => ({ name, content, mode: '0644' })),
  ];
}
