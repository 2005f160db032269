// Deploy: render the release, compare it with what the host runs, and (when it differs) stage it and
// switch to it through the release pipeline.
import { FingerprintKeyError } from './errors.ts';
import { releaseFiles, renderRelease, type RenderedRelease } from '@homelab/render';
import { releaseId, type ServicePaths } from './layout.ts';
import { runTransition, type DeployResult, type Step, type TransitionInput } from './pipeline.ts';
import { planRelease, type Plan } from './plan.ts';
import { newFingerprintKey, secretFingerprint, type ReleaseRecord } from './record.ts';
import * as remote from './remote.ts';
import type { RemoteState } from './remote-state.ts';

export interface DeployInput extends TransitionInput {
  images: Record<string, string>;
  secrets: Record<string, string>;
  gitSha: string;
  /** The host runs systemd: install and enable the unit. */
  systemd: boolean;
  now?: () => Date;
}

// Pure: the release to deploy, its record, and the plan against what the host holds.
export function planDeploy(
  input: DeployInput,
  state: RemoteState,
): { release: RenderedRelease; record: ReleaseRecord; plan: Plan; key: string } {
  const { svc, host } = input;
  // The host's fingerprint key; a host without one gets a new one with this release.
  if (state.fingerprintKeyUnreadable) throw new FingerprintKeyError(host.name, `${host.deployRoot}/.fingerprint-key`);
  const key = state.fingerprintKey ?? newFingerprintKey();
  const release = renderRelease(svc, { host, images: input.images }, input.secrets);
  const now = (input.now ?? (() => new Date()))();
  const record: ReleaseRecord = {
    service: svc.name,
    host: host.name,
    inventory: host.inventory,
    id: releaseId(release.hash, now),
    version: svc.version,
    gitSha: input.gitSha,
    hash: release.hash,
    createdAt: now.toISOString(),
    secrets: Object.fromEntries(svc.spec.secrets.map((n) => [n, secretFingerprint(key, svc.name, n, input.secrets[n] ?? '')])),
  };
  return { release, record, key, plan: planRelease(release, record, state, { values: input.secrets, key }) };
}

// Uploads every file of the release in one step (contents on stdin only): the same step first creates
// the external networks it joins and then its missing data directories, in that order.
function staging(input: DeployInput, paths: ServicePaths, release: RenderedRelease, record: ReleaseRecord): Required<Step> {
  const { host } = input;
  const files = [
    ...releaseFiles(release),
    { name: 'release.json', content: `${JSON.stringify(record, null, 2)}\n`, mode: '0600' as const },
  ];
  // The parts with something to do, each with what it does (for the command shown in an error).
  const parts: Array<[what: string, script: string]> = [
    ...(release.networks.length ? [['docker network create', remote.ensureNetworksScript(release.networks)] as [string, string]] : []),
    [
      'stage the files',
      remote.stageScript(
        paths,
        record.id,
        files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.content), mode: f.mode, owner: f.owner })),
      ),
    ],
    ...(release.dirs.length
      ? [['create data directories', remote.ensureDirsScript(release.dirs, host.uid, host.gid)] as [string, string]]
      : []),
  ];
  return {
    script: parts.map(([, script]) => script).join(' && '),
    input: files.map((f) => f.content).join(''),
    display: `stage release ${record.id} (${parts.map(([what]) => what).join(', ')})`,
  };
}

// Stages the release in its own round trip. A new fingerprint key goes first, on its own: its script
// writes only when the host has none, so its bytes cannot share stdin with the files.
async function stage(input: DeployInput, paths: ServicePaths, step: Required<Step>, newKey: string | undefined): Promise<void> {
  const { executor } = input;
  if (newKey) await executor.sh(remote.writeFingerprintKeyScript(paths), { input: newKey, display: `write ${paths.fingerprintKey}` });
  await executor.sh(step.script, { input: step.input, display: step.display });
}

// Deploys one service to its host (or only plans it, with dryRun).
export function deployService(input: DeployInput): Promise<DeployResult> {
  const withSecrets = { ...input, secretValues: Object.values(input.secrets) };
  return runTransition(withSecrets, 'deploy', async (state, paths) => {
    const { release, record, plan, key } = planDeploy(input, state);
    if (plan.action === 'unchanged' || input.dryRun) {
      return {
        kind: 'stay',
        outcome: plan.action === 'unchanged' ? 'unchanged' : 'planned',
        plan,
        release: plan.previous?.id,
        message: plan.reasons.join('; ') || undefined,
      };
    }
    const step = staging(input, paths, release, record);
    return {
      kind: 'switch',
      action: 'deploy',
      to: record,
      plan,
      reasons: `${plan.action}: ${plan.reasons.join('; ')}`,
      back: plan.previous,
      stage: () => stage(input, paths, step, state.fingerprintKey ? undefined : key),
      // It shares the lock's round trip unless a new key must be written first.
      staging: state.fingerprintKey ? step : undefined,
      after: input.systemd
        ? {
            script: remote.installUnitScript(release.unitName, Buffer.byteLength(release.unit)),
            input: release.unit,
            display: `install ${release.unitName}`,
          }
        : undefined,
    };
  });
}
