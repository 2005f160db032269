// Pure: every file of one release and the hash that says whether anything changed.
import { createHash } from 'node:crypto';
import type { ComposeFile, LoadedService } from '@homelab/model';
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
  /** Secrets held as files (secrets/<NAME>, 0400), each owned by the uid that reads it. */
  secretFiles: Array<{ name: string; content: string; owner: number }>;
  /** Bind-mount directories under the host's data/config paths, created owned by uid:gid when missing. */
  dirs: string[];
  /** External networks the release joins (web_proxy), created on the host when missing. */
  networks: string[];
  /** sha256 over compose, .env (every secret value), unit, every file under files/ and each secret file's owner: equal hashes mean nothing to deploy. */
  hash: string;
}

export function releaseHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part.length}:`).update(part);
  return h.digest('hex');
}

// Renders a service for its host; `secrets` holds the resolved values of spec.secrets.
export function renderRelease(svc: LoadedService, target: RenderTarget, secrets: Record<string, string>): RenderedRelease {
  const rendered = labelSecretFiles(renderComposeObject(svc, target), svc, secrets);
  const compose = composeText(svc, target.host, rendered);
  const env = renderEnvFile(svc.spec.secrets, secrets);
  const unit = renderSystemdUnit(svc, target.host);
  const files = Object.fromEntries(Object.entries(svc.configFiles).map(([path, content]) => [`files/${path}`, content]));
  const secretFiles = Object.entries(svc.spec.secretFiles).map(([name, { uid }]) => ({
    name: `secrets/${name}`,
    content: secrets[name] ?? '',
    owner: uid,
  }));
  const login = registryConfig(svc, secrets);
  if (login !== undefined) secretFiles.push({ name: registryConfigFile, content: login, owner: 0 });
  const owners = secretFiles.map((f) => `${f.name}:${f.owner}`);
  const hash = releaseHash([compose, env, unit, ...Object.entries(files).flat(), ...owners]);
  return {
    service: svc.name,
    host: target.host.name,
    compose,
    env,
    unit,
    unitName: unitName(svc.name),
    files,
    secretFiles,
    dirs: bindDirectories(rendered, target.host),
    networks: externalNetworks(rendered),
    hash,
  };
}

/** The Docker config a release with a registry login holds; the deploy pulls with DOCKER_CONFIG set to its folder. */
export const registryConfigFile = 'secrets/docker/config.json';

// Pure: Docker's config.json with the registry login (auth is base64 of "user:password", as `docker login` writes it).
export function registryConfig(svc: LoadedService, secrets: Record<string, string>): string | undefined {
  const login = svc.spec.registryLogin;
  if (!login) return undefined;
  const auth = Buffer.from(`${secrets[login.username] ?? ''}:${secrets[login.password] ?? ''}`).toString('base64');
  return `${JSON.stringify({ auths: { [login.registry]: { auth } } }, null, 2)}\n`;
}

// A changed secret file must recreate the containers that mount it: Compose compares only the
// file's path (releases are reached through `current`). The label is a salted fingerprint, as the
// release record keeps one per secret.
export function labelSecretFiles(rendered: ComposeFile, svc: LoadedService, secrets: Record<string, string>): ComposeFile {
  const names = Object.keys(svc.spec.secretFiles);
  if (names.length === 0) return rendered;
  const h = createHash('sha256').update(`homelab:${svc.name}:`);
  for (const name of names) h.update(`${name}\0${svc.spec.secretFiles[name]!.uid}\0${secrets[name] ?? ''}\0`);
  const label = h.digest('hex').slice(0, 16);
  const services = Object.fromEntries(
    Object.entries(rendered.services).map(([name, def]) => {
      if (!((def as { secrets?: unknown[] }).secrets ?? []).length) return [name, def];
      return [name, { ...def, labels: { ...(def.labels as Record<string, string>), 'homelab.secrets': label } }];
    }),
  );
  return { ...rendered, services };
}

export interface ReleaseFile {
  /** Path inside the release folder. */
  name: string;
  content: string;
  mode: '0400' | '0600' | '0644';
  /** uid that owns the file on the host; the deploy user (root) when absent. */
  owner?: number;
}

// Every file a release folder holds, in upload order; .env (0600) and the secret files (0400, owned by
// the uid that reads them) are private.
export function releaseFiles(release: RenderedRelease): ReleaseFile[] {
  return [
    { name: 'compose.yaml', content: release.compose, mode: '0644' },
    { name: '.env', content: release.env, mode: '0600' },
    { name: release.unitName, content: release.unit, mode: '0644' },
    ...Object.entries(release.files).map(([name, content]): ReleaseFile => ({ name, content, mode: '0644' })),
    ...release.secretFiles.map((f): ReleaseFile => ({ ...f, mode: '0400' })),
  ];
}
