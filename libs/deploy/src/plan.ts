// Pure: compare the desired release with what the host runs, and say why a deploy is needed.
import { createTwoFilesPatch } from 'diff';
import type { RenderedRelease } from '@homelab/render';
import { maskSecrets } from '@homelab/model';
import { fingerprintMatches, type ReleaseRecord } from './record.ts';
import type { RemoteState } from './remote-state.ts';

export type PlanAction = 'new' | 'changed' | 'unchanged';

export interface Plan {
  service: string;
  host: string;
  action: PlanAction;
  reasons: string[];
  /** Unified diff of compose.yaml plus one line per changed secret; values masked. */
  diff: string;
  /** The last healthy release, the one to roll back to. */
  previous: ReleaseRecord | undefined;
}

/** The secret values of the release and the host's fingerprint key, to compare with recorded fingerprints. */
export interface SecretsToCompare {
  values: Record<string, string>;
  key: string;
}

function secretChanges(from: Record<string, string>, service: string, names: string[], secrets: SecretsToCompare): string[] {
  return [...new Set([...Object.keys(from), ...names])].sort().flatMap((n) => {
    if (!(n in from)) return [`+ secret ${n} (added, value masked)`];
    if (!names.includes(n)) return [`- secret ${n} (removed)`];
    return fingerprintMatches(from[n]!, secrets.key, service, n, secrets.values[n] ?? '') ? [] : [`~ secret ${n} (changed, value masked)`];
  });
}

export function planRelease(
  release: RenderedRelease,
  record: ReleaseRecord,
  remote: RemoteState,
  secrets: SecretsToCompare = { values: {}, key: '' },
): Plan {
  const secretValues = Object.values(secrets.values);
  const base = { service: release.service, host: release.host };
  const previous = remote.state?.current;
  if (!previous) {
    const diff = createTwoFilesPatch('/dev/null', 'compose.yaml', remote.currentCompose ?? '', release.compose);
    const reasons = remote.current ? ['no healthy release recorded (an earlier deploy did not finish)'] : ['first deploy'];
    return { ...base, action: 'new', reasons, diff: maskSecrets(diff, secretValues), previous: undefined };
  }
  const reasons: string[] = [];
  const secretLines = secretChanges(previous.secrets ?? {}, release.service, Object.keys(record.secrets), secrets);
  if (previous.hash !== release.hash) {
    if (remote.currentCompose !== undefined && remote.currentCompose !== release.compose) reasons.push('compose.yaml changed');
    if (secretLines.length) reasons.push('secrets changed');
    if (reasons.length === 0) reasons.push('rendered release changed');
  }
  if (remote.current !== `releases/${previous.id}`)
    reasons.push(
      `current is ${remote.current ?? 'missing'} but the last healthy release is ${previous.id} (an earlier deploy was interrupted)`,
    );
  // A service stopped on purpose (homelab stop) stays stopped until homelab start or a new release.
  const stopped = remote.state?.history[0]?.action === 'stop' && remote.state.history[0].result === 'deployed';
  if (remote.running === 0 && !stopped) reasons.push('no container of the service is running');
  const diff = [
    remote.currentCompose !== undefined && remote.currentCompose !== release.compose
      ? createTwoFilesPatch(`${previous.id}/compose.yaml`, 'compose.yaml', remote.currentCompose, release.compose)
      : '',
    ...secretLines.map((l) => `${l}\n`),
  ].join('');
  return { ...base, action: reasons.length ? 'changed' : 'unchanged', reasons, diff: maskSecrets(diff, secretValues), previous };
}
