// The one release pipeline. Every change of a service's running release (deploy and rollback; restart,
// stop, start and restore) is a transition through this sequence: take the host lock, read what
// the host holds, choose (stage a new release, or select one the host keeps), switch `current`, bring it
// up, gate on its health test, record the result on the host. A failure before the switch changed
// nothing that runs; a failure after it switches back to the release that ran before and brings that up.
import { runHealthTest, type PollOptions, type ProbeTarget } from '@homelab/health';
import { HostLock, LockLostError, type Executor } from '@homelab/host';
import { CommandError, maskSecrets, type HostSpec, type LoadedService } from '@homelab/model';
import { UnhealthyError } from './errors.ts';
import { keepReleases, servicePaths, type ServicePaths } from './layout.ts';
import type { Plan } from './plan.ts';
import { probeTarget } from './probe-target.ts';
import { interruptedNote, withHistory, type HistoryEntry, type Intent, type ReleaseRecord } from './record.ts';
import { hostname, userInfo } from 'node:os';
import { posix } from 'node:path';
import * as remote from './remote.ts';
import { parseRemoteState, type RemoteState } from './remote-state.ts';

export type DeployOutcome =
  | 'deployed'
  | 'unchanged'
  | 'planned'
  | 'rolled back'
  | 'restarted'
  | 'stopped'
  | 'started'
  | 'restored'
  | 'skipped'
  | 'interrupted'
  | 'failed';

export interface DeployResult {
  service: string;
  host: string;
  result: DeployOutcome;
  version: string;
  seconds: number;
  release: string | undefined;
  message: string | undefined;
  plan: Plan | undefined;
}

// The one constructor of a result row, for every entry point (deploy, rollback, skips, failures).
export function deployResult(
  service: string,
  host: string,
  result: DeployOutcome,
  fields: Partial<Omit<DeployResult, 'service' | 'host' | 'result'>> & { version: string },
): DeployResult {
  return { service, host, result, seconds: 0, release: undefined, message: undefined, plan: undefined, ...fields };
}

/** What every transition needs: the service, its host, the one executor to it, and how to report. */
export interface TransitionInput {
  svc: LoadedService;
  host: HostSpec;
  executor: Executor;
  lockWaitMs: number;
  log: (message: string) => void;
  /** Values to mask in every message (the service's secrets). */
  secretValues?: string[];
  target?: ProbeTarget;
  poll?: Partial<PollOptions>;
  /** Only decide; take no lock and change nothing. */
  dryRun?: boolean;
  /**
   * Aborted on SIGINT/SIGTERM: the transition stops at the next safe point. Before the switch nothing
   * has changed; once `current` moved, it finishes (health gate, rollback, record) so the host is
   * never left between two releases by us.
   */
  signal?: AbortSignal;
  /** Recorded in the host's history as who did it. */
  by?: string;
  /** What readStateScript printed for this service, read with the host's other services in one round trip. */
  prefetched?: string;
}

/** Why a signal stopped the work: "SIGINT" or "SIGTERM" (the reason of the aborted signal). */
export function interruptedBy(signal: AbortSignal | undefined): string | undefined {
  return signal?.aborted ? String(signal.reason ?? 'a signal') : undefined;
}

/** What a transition switches to, decided from what the host holds. */
export type Choice =
  | { kind: 'stay'; outcome: 'unchanged' | 'planned'; release: string | undefined; message: string | undefined; plan?: Plan }
  | {
      /** An operation on the current release (restart, stop, start): no switch, recorded in the history. */
      kind: 'operate';
      action: 'restart' | 'stop' | 'start' | 'restore';
      release: ReleaseRecord;
      reasons: string;
      run: () => Promise<void>;
      /** Gate on the health test afterwards (restart, start). */
      gate: boolean;
    }
  | {
      kind: 'switch';
      action: HistoryEntry['action'];
      to: ReleaseRecord;
      /** Said before the switch, e.g. "changed: compose.yaml changed". */
      reasons: string;
      plan?: Plan;
      /** Puts a new release on the host (a release the host keeps needs none). Nothing runs differently yet. */
      stage?: () => Promise<void>;
      /** The same as one host step, where it can share the round trip that takes the lock. */
      staging?: Step;
      /** After a healthy switch (the systemd unit), in the round trip that records it. */
      after?: Step;
      /** The release to go back to on failure; none: stop the service (its first release failed). */
      back: ReleaseRecord | undefined;
    };

// Release dirs to delete: all but the newest `keep` and the ones in use.
export function releasesToPrune(releases: string[], inUse: string[], keep = keepReleases): string[] {
  const complete = releases.filter((r) => !r.endsWith('.partial')).sort();
  const kept = new Set([...complete.slice(-keep), ...inUse]);
  return releases.filter((r) => !kept.has(r));
}

/**
 * A host step that shares a round trip with others: its script, the bytes it reads from stdin (exactly
 * those, unless it is the last step to read), and what it does, for the command shown in an error.
 */
export interface Step {
  script: string;
  input?: string;
  display: string;
}

// Pure: steps run in one round trip, one after another, each only when the ones before it succeeded.
export function joinSteps(steps: Step[]): Required<Step> {
  return {
    script: steps.map((s) => `{ ${s.script}\n} || exit $?`).join('\n'),
    input: steps.map((s) => s.input ?? '').join(''),
    display: steps.map((s) => s.display).join(', '),
  };
}

// Brings the current release up; with a rollout, replica by replica, and says which busy replicas wait.
// An abandoned `compose up` of an interrupted deploy is waited for (or stopped) first, and said.
// `first`: steps run before, in the same round trip (the intent and the switch).
export async function up(
  input: Pick<TransitionInput, 'svc' | 'executor' | 'log'>,
  paths: ServicePaths,
  first: Step[] = [],
): Promise<string | undefined> {
  const rollout = input.svc.spec.rollout;
  const dir = paths.current;
  const said = (stderr: string) => {
    for (const line of stderr.match(/^(an abandoned docker compose up .*|stopping it)$/gm) ?? []) input.log(line);
  };
  const run = (script: string, display: string) => {
    const step = joinSteps([...first, { script, display }]);
    return input.executor.sh(step.script, { input: step.input || undefined, display: step.display });
  };
  if (!rollout) {
    said((await run(remote.composeUpScript(dir, paths.upPid), `docker compose up -d --remove-orphans (in ${dir})`)).stderr);
    return undefined;
  }
  const script = remote.rollingUpScript(dir, paths.upPid, input.svc.name, rollout.services, rollout.busy, rollout.maxWaitMinutes * 60);
  const out = await run(script, `docker compose up, ${rollout.services.join(', ')} one replica at a time (in ${dir})`);
  said(out.stderr);
  const deferred = (/^--deferred--(.*)$/m.exec(out.stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  if (deferred.length === 0) return undefined;
  const which = deferred.map((pair) => `${pair.slice(pair.indexOf(':') + 1)} ${pair.slice(0, 12)}`).join(', ');
  return `${deferred.length} busy replica${deferred.length === 1 ? '' : 's'} (${which}) keep the previous release until idle, then are replaced (log: ${dir}/.rollout.log)`;
}

// Switches `current` to a release, brings it up and gates on the health test; throws what failed.
// The intent (when given, its JSON) is written first, the switch and `compose up` follow in the same
// round trip; when the intent or the switch fails, the round trip exits with remote.notSwitched.
async function switchTo(input: TransitionInput, paths: ServicePaths, id: string, intent?: string): Promise<string | undefined> {
  input.log('starting containers');
  const swap: Step =
    intent === undefined
      ? { script: remote.swapScript(paths, id), display: `point current at ${id}` }
      : {
          script: remote.intentAndSwapScript(paths, Buffer.byteLength(intent), id),
          input: intent,
          display: `write ${paths.intent}, point current at ${id}`,
        };
  const deferred = await up(input, paths, [swap]);
  if (deferred) input.log(deferred);
  await healthGate(input, paths);
  return deferred;
}

// Waits for the service's health test; throws what failed with the release's last log lines.
async function healthGate(input: TransitionInput, paths: ServicePaths): Promise<void> {
  const { executor, svc, host } = input;
  input.log('waiting for the health test');
  const report = await runHealthTest(svc.spec.health, input.target ?? probeTarget(host, executor, svc.name), input.poll);
  if (!report.healthy) {
    const logs = await executor.sh(remote.composeLogsScript(paths.current), { allowFailure: true, display: 'docker compose logs' });
    throw new UnhealthyError(svc.name, host.name, report, logs.stdout);
  }
  input.log('health test passed');
}

// The intent record: before `current` moves, where it moves to and from, and who moves it.
function intentText(choice: Extract<Choice, { kind: 'switch' }>, current: string | undefined): string {
  const intent: Intent = {
    action: choice.action,
    id: choice.to.id,
    version: choice.to.version,
    gitSha: choice.to.gitSha,
    from: current?.replace(/^releases\//, ''),
    at: new Date().toISOString(),
    by: `${userInfo().username}@${hostname()} (pid ${process.pid})`,
  };
  return `${JSON.stringify(intent, null, 2)}\n`;
}

// The transition's last round trip: records the result on the host, runs `then` (each after the one
// before succeeded) and releases the lock when all succeeded, all only while the lock is still ours
// (HostLock.lastStep). A failure keeps the lock for the release in runTransition's finally. Run again
// after its first run released the lock (a retried round trip), it finds its own record and is done;
// a lock taken from it meanwhile is an error, and nothing was written.
async function writeState(
  executor: Executor,
  paths: ServicePaths,
  state: ReturnType<typeof withHistory>,
  lock: HostLock,
  then: Step[] = [],
): Promise<void> {
  const text = `${JSON.stringify(state, null, 2)}\n`;
  const record: Step = state
    ? { script: remote.writeStateScript(paths, Buffer.byteLength(text)), input: text, display: `write ${paths.state}` }
    : { script: remote.clearIntentScript(paths), display: `remove ${paths.intent}` };
  const steps = joinSteps([record, ...then]);
  const last = lock.lastStep(steps.script, remote.recordedBeforeScript(paths, state ? Buffer.byteLength(text) : undefined));
  const out = await executor.sh(last ?? steps.script, {
    input: steps.input || undefined,
    display: last ? `${steps.display}, release the host lock` : steps.display,
  });
  if (!last) return;
  // Done only when it says so: released under the lock, or found its record (a re-sent round trip).
  if (!/^--(released|recorded-before)--$/m.test(out.stdout))
    throw new LockLostError(executor.host, posix.dirname(paths.root), steps.display);
  lock.released();
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Runs one transition of `input.svc` on its host; never throws for a failure, it reports it.
export async function runTransition(
  input: TransitionInput,
  verb: string,
  choose: (remote: RemoteState, paths: ServicePaths) => Promise<Choice>,
): Promise<DeployResult> {
  const started = Date.now();
  const { svc, host, executor, log } = input;
  const result = (outcome: DeployOutcome, fields: Partial<DeployResult> = {}): DeployResult =>
    deployResult(svc.name, host.name, outcome, {
      version: svc.version,
      ...fields,
      seconds: (Date.now() - started) / 1000,
      message: fields.message === undefined ? undefined : maskSecrets(fields.message, input.secretValues ?? []),
    });
  const paths = servicePaths(host.deployRoot, svc.name);
  const lock = new HostLock(executor, host.deployRoot);
  let switching = false;
  try {
    const stopped = (plan?: Plan) =>
      result('interrupted', {
        plan,
        message: `stopped by ${interruptedBy(input.signal)} before the switch: nothing changed${state ? ` (${state.current ?? 'no release'} is still current)` : ''}`,
      });
    const readScript = remote.readStateScript(paths, svc.name);
    let text = ''; // what the last read printed
    // `out`: what the script printed already (read with the host's other services, or under the lock).
    const read = async (out?: string) => {
      text = out ?? (await executor.sh(readScript, { display: `read the deployed state of ${svc.name}` })).stdout;
      return parseRemoteState(text);
    };
    let state: RemoteState | undefined;
    if (interruptedBy(input.signal)) return stopped();
    // Deciding reads only: what stays as it is (a no-op deploy, a plan) takes no lock and costs one
    // round trip. A change takes the lock and decides again on what the host holds then.
    state = await read(input.prefetched);
    let choice = await choose(state, paths);
    if (choice.kind === 'stay') return result(choice.outcome, { plan: choice.plan, release: choice.release, message: choice.message });
    // What a switch says before it stages (the staging said first, as a signal may stop it).
    const say = (c: Extract<Choice, { kind: 'switch' }>, s: RemoteState, withLock = false) => {
      if (s.intent) log(interruptedNote(s.intent, s.current));
      log(c.reasons);
      if (c.stage) log(`staging release ${c.to.id}${withLock ? ' with the host lock' : ''}`);
    };
    let staged: { stdout: string; stderr: string } | undefined;
    if (!input.dryRun) {
      // The state is read again under the lock, in the round trip that takes it. A new release goes
      // along and is staged there, but only if the host still holds what it was decided on;
      // otherwise the decision is made again on what it holds now, and staged after.
      const early = choice.kind === 'switch' ? choice.staging : undefined;
      if (early && choice.kind === 'switch') say(choice, state, true);
      const locked = await lock.acquire({
        thenRun: early
          ? { script: remote.ifUnchangedScript(readScript, remote.stateDigest(text), early.script), input: early.input, retry: readScript }
          : { script: readScript },
        command: `${verb} ${svc.name}`,
        waitMs: input.lockWaitMs,
        onWait: (h) => log(`waiting for the host lock held by ${h?.holder ?? 'unknown'} (${h?.command ?? '?'})`),
        signal: input.signal,
        onTakeover: (h, age) =>
          log(
            `took over a stale host lock of ${h ? `${h.holder} (pid ${h.pid}, "${h.command}")` : 'an unknown holder'}, ${age ?? '?'}s old`,
          ),
      });
      if (early && locked?.stdout.startsWith('--unchanged--\n')) staged = locked;
      else {
        // Not staged with the lock: the host changed since it was read, or the lock was not taken at
        // the first try (waited for, taken over, or the connection retried).
        if (early) log('not staged with the lock: deciding again on what the host holds now');
        if (interruptedBy(input.signal)) return stopped();
        state = await read(locked?.stdout);
        choice = await choose(state, paths);
        if (choice.kind === 'stay') return result(choice.outcome, { plan: choice.plan, release: choice.release, message: choice.message });
      }
    }
    if (choice.kind === 'operate') {
      if (state.intent) log(interruptedNote(state.intent, state.current));
      return await operate(input, paths, state, choice, result, lock);
    }
    const { to } = choice;
    // A failure before `current` moved: nothing runs differently.
    const unchanged = (error: unknown) =>
      result('failed', {
        plan: choice.plan,
        version: to.version,
        message: `${messageOf(error)}\n  nothing changed: ${state.current ?? 'no release'} is still current`,
      });
    try {
      if (!staged) {
        say(choice, state);
        await choice.stage?.();
      } else {
        const exitCode = Number(/^--then-exit-- (\d+)$/m.exec(staged.stdout)?.[1] ?? 255);
        const command = `take the host lock, ${choice.staging?.display ?? 'stage'}`;
        if (exitCode !== 0) throw new CommandError({ host: host.name, command, exitCode, stderr: staged.stderr });
      }
    } catch (error) {
      return unchanged(error);
    }
    // The last safe point: from here on the transition runs to its end (healthy, or rolled back).
    if (interruptedBy(input.signal)) return stopped(choice.plan);
    switching = true;
    let deferred: string | undefined;
    try {
      deferred = await switchTo(input, paths, to.id, intentText(choice, state.current));
    } catch (error) {
      // The intent or the switch failed: `current` did not move, nothing runs differently.
      if (error instanceof CommandError && error.exitCode === remote.notSwitched && error.stderr.includes(remote.notSwitchedLine(to.id)))
        return unchanged(error);
      return await recover(input, paths, state, choice, messageOf(error), result, lock);
    }
    const at = new Date().toISOString();
    const prune = releasesToPrune([...new Set([...state.releases, to.id])], [to.id, choice.back?.id ?? '']);
    await writeState(
      executor,
      paths,
      withHistory(
        state.state,
        { id: to.id, version: to.version, gitSha: to.gitSha, at, action: choice.action, result: 'deployed', ...by(input) },
        { ...to, deployedAt: at },
      ),
      lock,
      [
        ...(choice.after ? [choice.after] : []),
        ...(prune.length ? [{ script: remote.pruneScript(paths, prune), display: 'prune old releases' }] : []),
      ],
    );
    const message = [choice.plan?.reasons.join('; ') ?? choice.reasons, deferred].filter(Boolean).join('; ');
    return result(choice.action === 'rollback' ? 'rolled back' : 'deployed', {
      plan: choice.plan,
      release: to.id,
      version: to.version,
      message,
    });
  } catch (error) {
    const by = interruptedBy(input.signal);
    if (by && !switching)
      return result('interrupted', { message: `stopped by ${by} before the switch: nothing changed (${messageOf(error).split('\n')[0]})` });
    return result('failed', { message: messageOf(error) });
  } finally {
    if (!input.dryRun) await lock.release().catch(() => undefined);
  }
}

// After a failure past the switch: back to the release that ran before (or stop a first release), recorded.
async function recover(
  input: TransitionInput,
  paths: ServicePaths,
  state: RemoteState,
  choice: Extract<Choice, { kind: 'switch' }>,
  why: string,
  result: (o: DeployOutcome, f?: Partial<DeployResult>) => DeployResult,
  lock: HostLock,
): Promise<DeployResult> {
  const { executor, log } = input;
  const { to, back, action } = choice;
  const failed = (at: string): HistoryEntry => ({
    id: to.id,
    version: to.version,
    gitSha: to.gitSha,
    at,
    action,
    result: 'failed',
    message: maskSecrets(why, input.secretValues ?? []),
    ...by(input),
  });
  try {
    if (!back) {
      log('first release failed: stopping it');
      await executor.sh(
        `${remote.composeDownScript(paths.current)} ; ${remote.removeCurrentScript(paths)} ; ${remote.clearIntentScript(paths)}`,
        {
          display: 'stop the failed release',
          allowFailure: true,
        },
      );
      return result('failed', {
        plan: choice.plan,
        release: to.id,
        message: `${why}\n  the failed release was stopped; nothing else ran on the host for this service`,
      });
    }
    log(`rolling back to ${back.id}`);
    let after: string;
    try {
      await switchTo(input, paths, back.id);
      after = `rolled back to ${back.id} (version ${back.version}), which is healthy`;
    } catch (error) {
      if (!(error instanceof UnhealthyError)) throw error;
      after = `rolled back to ${back.id}, which is NOT healthy either: ${messageOf(error).split('\n')[0]}`;
    }
    try {
      await writeState(executor, paths, withHistory(state.state, failed(new Date().toISOString()), undefined), lock);
    } catch (error) {
      // The rollback ran; only its record could not be written.
      if (!(error instanceof LockLostError)) throw error;
      return result('failed', {
        plan: choice.plan,
        release: back.id,
        version: back.version,
        message: `${why}\n  ${after}\n  ${error.message}`,
      });
    }
    // A failed deploy that went back is "rolled back"; a rollback that had to go back failed.
    return result(action === 'deploy' ? 'rolled back' : 'failed', {
      plan: choice.plan,
      release: back.id,
      version: back.version,
      message: `${why}\n  ${after}`,
    });
  } catch (error) {
    return result('failed', { plan: choice.plan, message: `${why}\n  and the rollback failed too: ${messageOf(error)}` });
  }
}

const by = (input: TransitionInput) => (input.by ? { by: input.by } : {});

const operated = { restart: 'restarted', stop: 'stopped', start: 'started', restore: 'restored' } as const;

// An operation on the current release under the lock: run it, gate on health where it starts
// containers, and record it in the host's history whatever the outcome.
async function operate(
  input: TransitionInput,
  paths: ServicePaths,
  state: RemoteState,
  choice: Extract<Choice, { kind: 'operate' }>,
  result: (o: DeployOutcome, f?: Partial<DeployResult>) => DeployResult,
  lock: HostLock,
): Promise<DeployResult> {
  const { release: rel, action } = choice;
  input.log(choice.reasons);
  const entry = (ok: boolean, message?: string): HistoryEntry => ({
    id: rel.id,
    version: rel.version,
    gitSha: rel.gitSha,
    at: new Date().toISOString(),
    action,
    result: ok ? 'deployed' : 'failed',
    ...(message ? { message: maskSecrets(message, input.secretValues ?? []) } : {}),
    ...by(input),
  });
  try {
    await choice.run();
    if (choice.gate) await healthGate(input, paths);
  } catch (error) {
    await writeState(input.executor, paths, withHistory(state.state, entry(false, messageOf(error)), undefined), lock);
    return result('failed', { release: rel.id, version: rel.version, message: messageOf(error) });
  }
  await writeState(input.executor, paths, withHistory(state.state, entry(true), undefined), lock);
  return result(operated[action], { release: rel.id, version: rel.version, message: choice.reasons });
}
