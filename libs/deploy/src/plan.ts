// Pure: compare the desired release with what the host runs, and say why a deploy is needed.
import { createTwoFilesPatch } from 'diff';
import type { RenderedRelease } from '@homelab/render';
import { maskSecrets } from '@homelab/model';
import type { ReleaseRecord } from './record.ts';
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

function secretChanges(from: Record<string, string>, to: Record<string, string>): string[] {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return names.flatMap((n) => {
    if (!(n in from)) return [`+ secret ${n} (added, value masked)`];
    if (!(n in to)) return [`- secret ${n} (removed)`];
    return from[n] !== to[n] ? [`~ secret ${n} (changed, value masked)`] : [];
  });
}

export function planRelease(release: RenderedRelease, record: ReleaseRecord, remote: RemoteState, secretValues: string[] = []): Plan {
  const base = { service: release.service, host: release.host };
  const previous = remote.state?.current;
  if (!previous) {
    const diff = createTwoFilesPatch('/dev/null', 'compose.yaml', remote.currentCompose ?? '', release.compose);
    const reasons = remote.current ? ['no healthy release recorded (an earlier deploy did not finish)'] : ['first deploy'];
    return { ...base, action: 'new', reasons, diff: maskSecrets(diff, secretValues), previous: undefined };
  }
  const reasons: string[] = [];
  const secretLines = secretChanges(previous.secrets ?? {}, record.secrets);
  if (previous.hash !== release.hash) {
    if (remote.currentCompose !== undefined && remote.currentCompose !== release.compose) reasons.push('compose.yaml changed');
    if (secretLines.length) reasons.push('secrets changed');
    if (reasons.length === 0) reasons.push('rendered release changed');
  }
  if (remote.current !== `releases/${previous.id}`)
    reasons.push(
      `current is ${remote.current ?? 'missing'} but the last healthy release is ${previous.id} (an earlier deploy was interrupted)`,
    );
  if (remote.running === 0) reasons.push('no container of the service is running');
  const diff = [
    remote.currentCompose !== undefined && remote.currentCompose !== release.compose
      ? createTwoFilesPatch(`${previous.id}/compose.yaml`, 'compose.yaml', remote.currentCompose, release.compose)
      : '',
    ...secretLines.map((l) => `${l}\n`),
  ].join('');
  return { ...base, action: reasons.length ? 'changed' : 'unchanged', reasons, diff: maskSecrets(diff, secretValues), previous };
}
