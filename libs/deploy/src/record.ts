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

/** One transition of the service's running release, newest first in the history. */
export interface HistoryEntry {
  /** The release the transition switched to. */
  id: string;
  version: string;
  gitSha: string;
  at: string;
  /** Which transition: a deploy of a new release, or a rollback to a kept one. */
  action: 'deploy' | 'rollback';
  /** deployed: it became current and passed its health test; failed: it did not, and the host went back. */
  result: 'deployed' | 'failed';
  message?: string;
}

export interface DeployState {
  current: ReleaseRecord & { deployedAt: string };
  history: HistoryEntry[];
}

// Reads a state.json, older vocabularies included ("rollback" was a healthy rollback, "rolled back" a
// failed deploy); undefined when it is missing or torn (then the host counts as never deployed healthy).
export function parseState(text: string | undefined): DeployState | undefined {
  if (!text?.trim()) return undefined;
  let raw: {
    current?: DeployState['current'];
    history?: Array<Omit<HistoryEntry, 'action' | 'result'> & { action?: HistoryEntry['action']; result: string }>;
  };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return undefined;
  }
  if (!raw.current) return undefined;
  const history = (raw.history ?? []).map((e): HistoryEntry => {
    if (e.result === 'rollback') return { ...e, action: 'rollback', result: 'deployed' };
    if (e.result === 'rolled back') return { ...e, action: 'deploy', result: 'failed' };
    return { ...e, action: e.action ?? 'deploy', result: e.result === 'failed' ? 'failed' : 'deployed' };
  });
  return { current: raw.current, history };
}

export function secretFingerprint(service: string, value: string): string {
  return createHash('sha256').update(`homelab:${service}:`).update(value).digest('hex').slice(0, 12);
}

export function withHistory(
  state: DeployState | undefined,
  entry: HistoryEntry,
  current: DeployState['current'] | undefined,
): DeployState | undefined {
  const cur = current ?? state?.current;
  if (!cur) return undefined;
  return { current: cur, history: [entry, ...(state?.history ?? [])].slice(0, 30) };
}
