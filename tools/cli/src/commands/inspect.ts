// `homelab history`, `logs` and `exec <service>`: looking at and into a deployed service, over the host's one executor.
import { stripVTControlCharacters } from 'node:util';
import {
  composeExecScript,
  composeLogsFollowScript,
  parseRemoteState,
  readStateScript,
  servicePaths,
  type HistoryEntry,
} from '@homelab/deploy';
import { ConfigError, type HostSpec, type LoadedService } from '@homelab/model';
import { formatTable } from '../format.ts';
import { executorFactory } from '../session.ts';
import { loadWorkspace, selectServices } from '../workspace.ts';
import type { CommandContext } from './context.ts';

async function oneService(
  ctx: CommandContext,
): Promise<{ svc: LoadedService; host: HostSpec; executorFor: ReturnType<typeof executorFactory> }> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  const [svc] = selectServices(workspace, ctx.args.slice(0, 1), issues);
  const host = svc && workspace.inventory.hosts[svc.spec.host];
  if (!svc || !host)
    throw new ConfigError([
      { file: `packages/${ctx.args[0]}/service.ts`, path: 'host', message: `its host is not in inventory ${workspace.inventory.name}` },
    ]);
  return { svc, host, executorFor: executorFactory(ctx, workspace.inventory) };
}

// Pure: the history as rows, newest first; an unfinished transition (intent record) on top.
export function historyRows(entries: HistoryEntry[]): string[][] {
  return [
    ['when', 'action', 'result', 'release', 'version', 'git', 'by', 'note'],
    ...entries.map((e) => [
      e.at,
      e.action,
      e.result,
      e.id,
      e.version,
      e.gitSha,
      e.by ?? '-',
      (e.message ?? '').split('\n')[0]!.slice(0, 100),
    ]),
  ];
}

export async function historyCommand(ctx: CommandContext<{ json?: boolean; limit?: number }>): Promise<number> {
  const { svc, host, executorFor } = await oneService(ctx);
  const executor = executorFor(host);
  try {
    const out = await executor.sh(readStateScript(servicePaths(host.deployRoot, svc.name), svc.name), {
      display: `read the history of ${svc.name}`,
      retryConnection: false,
    });
    const remote = parseRemoteState(out.stdout);
    const entries = (remote.state?.history ?? []).slice(0, ctx.options.limit ?? 30);
    if (ctx.json) {
      ctx.out(
        JSON.stringify(
          { service: svc.name, host: host.name, current: remote.current, unfinished: remote.intent, history: entries },
          null,
          2,
        ),
      );
      return 0;
    }
    if (!remote.exists) {
      ctx.out(`${svc.name} was never deployed to ${host.name}`);
      return 0;
    }
    if (remote.intent)
      ctx.out(
        `UNFINISHED: ${remote.intent.action} to ${remote.intent.id} (version ${remote.intent.version}) by ${remote.intent.by} at ${remote.intent.at} did not finish`,
      );
    ctx.out(formatTable(historyRows(entries), true));
    return 0;
  } finally {
    await executor.close();
  }
}

export async function logsCommand(ctx: CommandContext<{ follow?: boolean; since?: string; lines?: number }>): Promise<number> {
  const { svc, host, executorFor } = await oneService(ctx);
  const executor = executorFor(host);
  if (!executor.stream) throw new Error('this transport cannot stream');
  const script = composeLogsFollowScript(servicePaths(host.deployRoot, svc.name).current, ctx.options);
  // Compose writes terminal control codes (erase line) even with --ansi never: plain lines for pipes and CI logs.
  const plain = (write: (s: string) => void) => (chunk: string) => write(stripVTControlCharacters(chunk));
  return executor.stream(script, {
    stdout: plain((s) => process.stdout.write(s)),
    stderr: plain((s) => process.stderr.write(s)),
  });
}

export interface ExecOptions {
  /** The compose service to run in (default: the exposed one, else the first). */
  container?: string;
  /** Attach a terminal (default: when stdin is one). */
  tty?: boolean;
}

export async function execCommand(ctx: CommandContext<ExecOptions>): Promise<number> {
  const { svc, host, executorFor } = await oneService(ctx);
  const command = ctx.args.slice(1);
  const services = Object.keys(svc.compose.services);
  const container = ctx.options.container ?? svc.spec.exposure?.service ?? services[0]!;
  if (!services.includes(container))
    throw new ConfigError([
      { file: svc.files.compose, path: 'services', message: `has no service "${container}"`, hint: `one of: ${services.join(', ')}` },
    ]);
  const executor = executorFor(host);
  if (!executor.attach) throw new Error('this transport cannot attach a terminal');
  const tty = ctx.options.tty ?? (process.stdin.isTTY === true && process.stdout.isTTY === true);
  return executor.attach(composeExecScript(servicePaths(host.deployRoot, svc.name).current, container, command, tty), { tty });
}
