// What a host remembers about a service: each release's record and the last healthy one.
import { createHash, createHmac, randomBytes } from 'node:crypto';

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
  /** Which transition: a deploy of a new release, a rollback to a kept one, or an operation on the current one. */
  action: 'deploy' | 'rollback' | 'restart' | 'stop' | 'start' | 'restore';
  /** deployed: it became current and passed its health test; failed: it did not, and the host went back. */
  result: 'deployed' | 'failed';
  message?: string;
  /** Who: the CI actor, else the git user, else user@machine of the process. */
  by?: string;
}

/** Written on the host before `current` is switched; still there afterwards = the transition never finished. */
export interface Intent {
  action: HistoryEntry['action'];
  /** The release `current` is switched to. */
  id: string;
  version: string;
  gitSha: string;
  /** The release `current` pointed to before, if any. */
  from: string | undefined;
  at: string;
  /** user@machine (pid) of the process that switched. */
  by: string;
}

export function parseIntent(text: string | undefined): Intent | undefined {
  if (!text?.trim()) return undefined;
  try {
    const intent = JSON.parse(text) as Intent;
    return typeof intent.id === 'string' ? intent : undefined;
  } catch {
    return undefined;
  }
}

// Pure: what a left-behind intent record says about the release `current` points to.
export function interruptedNote(intent: Intent, current: string | undefined): string {
  const runs =
    current === `releases/${intent.id}` ? `${intent.id} is current but was never verified` : `current is ${current ?? 'missing'}`;
  return `an earlier ${intent.action} to ${intent.id} (version ${intent.version}, by ${intent.by} at ${intent.at}) did not finish: ${runs}`;
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

// A secret's fingerprint: HMAC-SHA256 keyed with the host's own fingerprint key (32 random bytes, 0600
// on the host beside the releases, never printed), so a fingerprint seen in a record, a plan or a CI log
// cannot be used to guess a weak secret offline.
export function secretFingerprint(key: string, service: string, name: string, value: string): string {
  const mac = createHmac('sha256', Buffer.from(key, 'hex')).update(`${service}\0${name}\0`).update(value);
  return `h1:${mac.digest('hex').slice(0, 20)}`;
}

// The unkeyed fingerprint records written before keyed ones: still compared, so the first deploy with
// keyed fingerprints does not report every secret as changed.
export function legacyFingerprint(service: string, value: string): string {
  return createHash('sha256').update(`homelab:${service}:`).update(value).digest('hex').slice(0, 12);
}

// Pure: whether a recorded fingerprint is of `value` (keyed, or the older unkeyed kind).
export function fingerprintMatches(recorded: string, key: string, service: string, name: string, value: string): boolean {
  return recorded.startsWith('h1:')
    ? recorded === secretFingerprint(key, service, name, value)
    : recorded === legacyFingerprint(service, value);
}

export function newFingerprintKey(): string {
  return randomBytes(32).toString('hex');
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
