// Rollback: select a release the host keeps and switch to it through the release pipeline.
import { quote } from '@homelab/host';
import { NoSuchReleaseError, NothingToRollBackError } from './errors.ts';
import { runTransition, type DeployResult, type TransitionInput } from './pipeline.ts';
import type { DeployState, ReleaseRecord } from './record.ts';

// The newest release older than `current` (ids sort by time) that once passed its health test and is
// still on the host: a rollback after an interrupted deploy goes behind it, and a second rollback goes
// further back.
export function rollbackTarget(state: DeployState, releases: string[], current: string | undefined): string | undefined {
  const healthy = new Set([state.current.id, ...state.history.filter((e) => e.result === 'deployed').map((e) => e.id)]);
  const from = current?.replace(/^releases\//, '') ?? state.current.id;
  return releases
    .filter((id) => id < from && healthy.has(id))
    .sort()
    .at(-1);
}

// Pure: the kept releases that once passed their health test, other than the current one, with their
// versions (from the record and the history), newest first.
export function healthyReleases(
  state: DeployState,
  releases: string[],
  current: string | undefined,
): Array<{ id: string; version: string }> {
  const versions = new Map<string, string>([[state.current.id, state.current.version]]);
  for (const e of state.history) if (e.result === 'deployed' && !versions.has(e.id)) versions.set(e.id, e.version);
  const from = current?.replace(/^releases\//, '') ?? state.current.id;
  return releases
    .filter((id) => id !== from && versions.has(id))
    .sort()
    .reverse()
    .map((id) => ({ id, version: versions.get(id)! }));
}

// Pure: the newest kept healthy release whose id is `wanted`, starts with it, or has it as version.
export function chosenRelease(state: DeployState, releases: string[], current: string | undefined, wanted: string): string | undefined {
  return healthyReleases(state, releases, current).find((r) => r.id === wanted || r.id.startsWith(wanted) || r.version === wanted)?.id;
}

export function rollbackService(input: TransitionInput & { to?: string }): Promise<DeployResult> {
  const { svc, host, executor } = input;
  return runTransition(input, 'rollback', async (state, paths) => {
    if (!state.state) throw new NothingToRollBackError(svc.name, host.name, state.current);
    const id = input.to
      ? chosenRelease(state.state, state.releases, state.current, input.to)
      : rollbackTarget(state.state, state.releases, state.current);
    if (!id && input.to)
      throw new NoSuchReleaseError(
        svc.name,
        host.name,
        input.to,
        healthyReleases(state.state, state.releases, state.current).map((r) => `${r.id} (${r.version})`),
      );
    if (!id) throw new NothingToRollBackError(svc.name, host.name, state.current?.replace(/^releases\//, ''));
    const record = JSON.parse(
      (await executor.sh(`cat ${quote(`${paths.release(id)}/release.json`)}`, { display: `read ${id}/release.json` })).stdout,
    ) as ReleaseRecord;
    const from = state.current?.replace(/^releases\//, '') ?? 'nothing';
    return {
      kind: 'switch',
      action: 'rollback',
      to: record,
      reasons: `rolling back from ${from} to ${id} (version ${record.version})`,
      back: state.state.current,
    };
  });
}
