// What a host remembers about a service: each release's record and the last healthy one.
import { createHash } from 'node:crypto';

export interface ReleaseRecord {
  service: string;
  host: string;
  inventory: string;
  id: string;
  version: string;
  gitSha: string;
  hash: string;
  createdAt: string;
  /** Secret name -> short fingerprint, so a plan can say which secret changed without its value. */
  secrets: Record<string, string>;
}

export interface HistoryEntry {
  id: string;
  version: string;
  gitSha: string;
  at: string;
  result: 'deployed' | 'rolled back' | 'failed' | 'rollback';
  message?: string;
}

export interface DeployState {
  current: ReleaseRecord & { deployedAt: string };
  history: HistoryEntry[];
}

export function secretFingerprint(service: string, value: string): string {
  return createHash('sha256').update(`homelab:${service}:`).update(value).digest('hex').slice(0, 12);
}

export function withHistory(state: DeployState | undefined, entry: HistoryEntry, current: DeployState['current'] | undefined): DeployState | undefined {
  const cur = current ?? state?.current;
  if (!cur) return undefined;
  return { current: cur, history: [entry, ...(state?.history ?? [])].slice(0, 30) };
}
