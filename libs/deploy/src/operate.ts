// restart, stop and start: operations on the current release, through the release pipeline (lock,
// run, health gate where containers start, recorded in the host's history).
import { NoVerifiedReleaseError } from './errors.ts';
import { runTransition, type DeployResult, type TransitionInput } from './pipeline.ts';
import * as remote from './remote.ts';

export type Operation = 'restart' | 'stop' | 'start';

export function operateService(input: TransitionInput, action: Operation): Promise<DeployResult> {
  const { svc, host, executor } = input;
  return runTransition(input, action, async (state, paths) => {
    const recorded = state.state?.current;
    // Only a release that passed its health test: an interrupted deploy's is deployed or rolled back first.
    // (An intent left by a deploy that never switched is about another release: no reason to refuse.)
    if (!recorded || state.current !== `releases/${recorded.id}`)
      throw new NoVerifiedReleaseError(svc.name, host.name, action, state.current?.replace(/^releases\//, ''));
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
