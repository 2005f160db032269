// Pure: reads what readStateScript printed.
import { parseIntent, parseState, type DeployState, type Intent } from './record.ts';

export interface RemoteState {
  exists: boolean;
  state: DeployState | undefined;
  /** Left by a transition that switched `current` and did not finish (interrupted, cut off). */
  intent: Intent | undefined;
  /** The host's fingerprint key (hex); never printed. Undefined until the first deploy writes one. */
  fingerprintKey: string | undefined;
  /** The key file holds something that is not a key (it would give new fingerprints on every deploy). */
  fingerprintKeyUnreadable?: boolean;
  /** Target of the `current` link, e.g. releases/20261126T070102Z-1a2b3c4d. */
  current: string | undefined;
  currentCompose: string | undefined;
  releases: string[];
  running: number;
}

function section(output: string, name: string): string | undefined {
  const start = output.indexOf(`--${name}--\n`);
  if (start < 0) return undefined;
  const body = output.slice(start + name.length + 5);
  const next = body.search(/^--[a-z]+--$/m);
  return next < 0 ? body : body.slice(0, next);
}

export function parseRemoteState(output: string): RemoteState {
  const keyText = section(output, 'key')?.trim() ?? '';
  const fingerprintKey = /^[0-9a-f]{64}$/.exec(keyText)?.[0];
  const fingerprintKeyUnreadable = keyText !== '' && !fingerprintKey ? true : undefined;
  if (/^--none--$/m.test(output))
    return {
      exists: false,
      state: undefined,
      intent: undefined,
      fingerprintKey,
      current: undefined,
      currentCompose: undefined,
      releases: [],
      running: 0,
    };
  // A torn state file reads as "never deployed healthy": the plan redeploys.
  const state = parseState(section(output, 'state'));
  const current = section(output, 'current')?.trim() || undefined;
  const compose = section(output, 'compose');
  return {
    exists: true,
    state,
    intent: parseIntent(section(output, 'intent')),
    fingerprintKey,
    ...(fingerprintKeyUnreadable ? { fingerprintKeyUnreadable } : {}),
    current,
    currentCompose: compose?.trim() ? compose : undefined,
    releases: (section(output, 'releases') ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
    running: Number((section(output, 'running') ?? '0').trim()) || 0,
  };
}
