// restart, stop, start and restore: operations on the current release, through the release pipeline
// (lock, run, health gate where containers start, recorded in the host's history).
import { NoVerifiedReleaseError } from './errors.ts';
import type { ServicePaths } from './layout.ts';
import { runTransition, type Choice, type DeployResult, type TransitionInput } from './pipeline.ts';
import type { RemoteState } from './remote-state.ts';
import * as remote from './remote.ts';

export type Operation = 'restart' | 'stop' | 'start';

// The current release, when it passed its health test: an interrupted deploy's is deployed or rolled
// back first. (An intent left by a deploy that never switched is about another release: no reason to refuse.)
function verifiedCurrent(input: TransitionInput, state: RemoteState, action: string) {
  const recorded = state.state?.current;
  if (!recorded || state.current !== `releases/${recorded.id}`)
    throw new NoVerifiedReleaseError(input.svc.name, input.host.name, action, state.current?.replace(/^releases\//, ''));
  return recorded;
}

export function operateService(input: TransitionInput, action: Operation): Promise<DeployResult> {
  const { executor } = input;
  return runTransition(input, action, async (state, paths): Promise<Choice> => {
    const recorded = verifiedCurrent(input, state, action);
    return {
      kind: 'operate',
      action,
      release: recorded,
      reasons: `${action} ${recorded.id} (version ${recorded.version})`,
      gate: action !== 'stop',
      run: async () =>
        void (await executor.sh(remote.composeOperationScript(paths.current, action, paths.upPid), {
          display: `docker compose ${action}`,
        })),
    };
  });
}

// A restore of the service's data under the current release: `put` replaces the data (it stops the
// containers first), then the release is started and gated on its health test, under the host lock
// and recorded in the history like restart, stop and start.
export function restoreService(input: TransitionInput, what: string, put: (paths: ServicePaths) => Promise<void>): Promise<DeployResult> {
  const { executor } = input;
  return runTransition(input, 'restore', async (state, paths): Promise<Choice> => {
    const recorded = verifiedCurrent(input, state, 'restore');
    return {
      kind: 'operate',
      action: 'restore',
      release: recorded,
      reasons: `restore ${what} under ${recorded.id} (version ${recorded.version})`,
      gate: true,
      run: async () => {
        await put(paths);
        await executor.sh(remote.composeOperationScript(paths.current, 'start', paths.upPid), { display: 'docker compose up -d' });
      },
    };
  });
}
