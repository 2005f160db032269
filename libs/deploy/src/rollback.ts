// Rollback: select a release the host keeps and switch to it through the release pipeline.
import { quote } from '@homelab/host';
import { NothingToRollBackError } from './errors.ts';
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

export function rollbackService(input: TransitionInput): Promise<DeployResult> {
  const { svc, host, executor } = input;
  return runTransition(input, 'rollback', async (state, paths) => {
    if (!state.state) throw new NothingToRollBackError(svc.name, host.name, state.current);
    const id = rollbackTarget(state.state, state.releases, state.current);
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
