// Pure: every file of one release and the hash that says whether anything changed.
import { createHash } from 'node:crypto';
import type { LoadedService } from '@homelab/model';
import { renderCompose, type RenderTarget } from './compose.ts';
import { renderEnvFile } from './env-file.ts';
import { renderSystemdUnit, unitName } from './systemd-unit.ts';

export interface RenderedRelease {
  service: string;
  host: string;
  compose: string;
  env: string;
  unit: string;
  unitName: string;
  /** sha256 over compose, .env and unit: equal hashes mean nothing to deploy. */
  hash: string;
}

export function releaseHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part.length}:`).update(part);
  return h.digest('hex');
}

// Renders a service for its host; `secrets` holds the resolved values of spec.secrets.
export function renderRelease(svc: LoadedService, target: RenderTarget, secrets: Record<string, string>): RenderedRelease {
  const compose = renderCompose(svc, target);
  const env = renderEnvFile(svc.spec.secrets, secrets);
  const unit = renderSystemdUnit(svc, target.host);
  return { service: svc.name, host: target.host.name, compose, env, unit, unitName: unitName(svc.name), hash: releaseHash([compose, env, unit]) };
}
