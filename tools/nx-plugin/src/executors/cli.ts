// The executor of every service target (validate, plan, deploy, health, rollback). One task runs
// `homelab <command> <service> --inventory <inventory>`. The tasks of an Nx run (one or many: run,
// run-many, affected) go to its batch implementation: one homelab run per command and inventory for all
// their services, so that hosts are contacted once each (one connection, one state read per host) instead
// of once per task and process, and that run happens inside Nx's batch worker (the CLI's bundle loaded
// there) rather than in one more process. Each task still gets its own result and output from
// HOMELAB_RESULTS_FILE.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';

export interface CliOptions {
  command: 'validate' | 'plan' | 'deploy' | 'health' | 'rollback';
  service: string;
  inventory: string;
}

interface TaskResult {
  success: boolean;
  terminalOutput: string;
  startTime?: number;
  endTime?: number;
  status?: 'success' | 'failure' | 'skipped';
}

interface Outcome {
  service: string;
  ok: boolean;
  summary: string;
}

export interface Run {
  code: number;
  output: string;
  outcomes: Map<string, Outcome> | undefined;
}

// Pure: the command line of one homelab run.
const cliArgv = (options: Omit<CliOptions, 'service'>, services: string[]) => [
  options.command,
  ...services,
  '--inventory',
  options.inventory,
];

// `run` with the path of a fresh HOMELAB_RESULTS_FILE, removed afterwards.
async function withResultsFile(run: (file: string) => Promise<Run>): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'homelab-nx-'));
  try {
    return await run(join(dir, 'results.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs the CLI in a child process, its output passed through as it comes and kept.
export function runCli(root: string, options: Omit<CliOptions, 'service'>, services: string[]): Promise<Run> {
  return withResultsFile(async (file) => {
    const child = spawn(process.execPath, [join(root, 'tools/cli/bin/homelab.js'), ...cliArgv(options, services)], {
      cwd: root,
      env: { ...process.env, HOMELAB_RESULTS_FILE: file },
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    const code = await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        output += `${error.message}\n`;
        resolve(1);
      });
      child.on('close', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    return { code, output, outcomes: readOutcomes(file) };
  });
}

interface BundledCli {
  main(argv: string[]): Promise<number>;
}
let bundled: Promise<BundledCli | undefined> | undefined;

// The CLI's bundle (tools/cli/bin/bundle.js builds and checks it, as for every `homelab` start) loaded
// into this process, once; undefined when the CLI runs from source only (HOMELAB_BUNDLE=0, no bundle).
export function bundledCli(root: string): Promise<BundledCli | undefined> {
  bundled ??= (async () => {
    try {
      const { bundledMain } = (await import(pathToFileURL(join(root, 'tools/cli/bin/bundle.js')).href)) as {
        bundledMain(root: string, debug: boolean): Promise<string | undefined>;
      };
      const url = await bundledMain(root, false);
      return url ? ((await import(url)) as BundledCli) : undefined;
    } catch {
      return undefined;
    }
  })();
  return bundled;
}

const text = (chunk: unknown) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());

// The same run as runCli, in this process: Nx's batch worker is already a Node process, so the CLI's
// start (a process, its modules) is not paid again. Its output still passes through as it comes and is
// kept; the results file, the working folder and the output streams are this process's for the duration,
// so runs here go one at a time (runBatch's `serial`).
export function runCliHere(cli: BundledCli, root: string, options: Omit<CliOptions, 'service'>, services: string[]): Promise<Run> {
  return withResultsFile((file) => runHere(cli, root, cliArgv(options, services), file));
}

async function runHere(cli: BundledCli, root: string, argv: string[], file: string): Promise<Run> {
  const saved = { file: process.env.HOMELAB_RESULTS_FILE, cwd: process.cwd(), out: process.stdout.write, err: process.stderr.write };
  let output = '';
  const tee =
    (stream: NodeJS.WriteStream, write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      output += text(chunk);
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  process.stdout.write = tee(process.stdout, saved.out) as typeof process.stdout.write;
  process.stderr.write = tee(process.stderr, saved.err) as typeof process.stderr.write;
  // console writes to the streams, as in a process of its own (whatever console this process was given).
  const consoles = { log: console.log, info: console.info, error: console.error, warn: console.warn };
  console.log = console.info = (...args: unknown[]) => void process.stdout.write(`${format(...args)}\n`);
  console.error = console.warn = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
  process.env.HOMELAB_RESULTS_FILE = file;
  try {
    process.chdir(root);
    const code = await cli.main(argv);
    return { code, output, outcomes: readOutcomes(file) };
  } catch (error) {
    output += `${error instanceof Error ? error.message : String(error)}\n`;
    return { code: 1, output, outcomes: undefined };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    Object.assign(console, consoles);
    if (saved.file === undefined) delete process.env.HOMELAB_RESULTS_FILE;
    else process.env.HOMELAB_RESULTS_FILE = saved.file;
    process.chdir(saved.cwd);
  }
}

// Pure: `run`, one call at a time (the next starts when the one before ended).
export function serial<A extends unknown[], R>(run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args: A) => {
    const next = last.then(
      () => run(...args),
      () => run(...args),
    );
    last = next;
    return next;
  };
}

// Undefined when the command ended before it had per-service results (a usage or configuration error
// for the whole run): then every task of the run gets the whole output and fails.
export function readOutcomes(file: string): Map<string, Outcome> | undefined {
  let parsed: { services?: Outcome[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as { services?: Outcome[] };
  } catch {
    return undefined;
  }
  return new Map((parsed.services ?? []).map((o) => [o.service, o]));
}

// Pure: a task's result from its command's run.
export function taskResult(service: string, run: Run, startTime: number, endTime: number): TaskResult {
  const outcome = run.outcomes?.get(service);
  if (!outcome)
    return {
      success: false,
      status: 'failure',
      terminalOutput: run.outcomes ? `${run.output}\n${service}: no result from homelab (exit ${run.code})\n` : run.output,
      startTime,
      endTime,
    };
  return { success: outcome.ok, status: outcome.ok ? 'success' : 'failure', terminalOutput: `${outcome.summary}\n`, startTime, endTime };
}

export default async function cli(options: CliOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const run = await runCli(context.root, options, [options.service]);
  return { success: run.code === 0 };
}

// Pure: the tasks of a batch in waves: each wave holds the tasks whose dependencies inside the batch are
// all in earlier waves (validate before deploy of the same services).
export function waves(taskGraph: Pick<TaskGraph, 'tasks' | 'dependencies'>): string[][] {
  const inBatch = new Set(Object.keys(taskGraph.tasks));
  const done = new Set<string>();
  const out: string[][] = [];
  while (done.size < inBatch.size) {
    const wave = [...inBatch].filter(
      (id) => !done.has(id) && (taskGraph.dependencies[id] ?? []).every((d) => !inBatch.has(d) || done.has(d)),
    );
    if (!wave.length) throw new Error(`the tasks ${[...inBatch].filter((id) => !done.has(id)).join(', ')} depend on each other in a cycle`);
    for (const id of wave) done.add(id);
    out.push(wave);
  }
  return out;
}

export async function batch(
  taskGraph: TaskGraph,
  inputs: Record<string, CliOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): Promise<Record<string, TaskResult>> {
  const cli = await bundledCli(context.root);
  // Stopped (Ctrl-C, or Nx ending the worker with SIGTERM): the run in progress stops at its safe point,
  // and the runs still waiting in this worker do not start.
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSigint = () => {
    stoppedBy ??= 'SIGINT';
  };
  const onSigterm = () => {
    stoppedBy ??= 'SIGTERM';
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    return await runBatch(
      taskGraph,
      inputs,
      cli
        ? serial((options, services) =>
            stoppedBy ? Promise.resolve(notStarted(stoppedBy)) : runCliHere(cli, context.root, options, services),
          )
        : (options, services) => runCli(context.root, options, services),
    );
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

// Pure: the run of a command that was not started because the batch was stopped by `signal`.
export function notStarted(signal: 'SIGINT' | 'SIGTERM'): Run {
  return { code: signal === 'SIGINT' ? 130 : 143, output: `not started: stopped by ${signal}\n`, outcomes: undefined };
}

// The batch, with the way to run one homelab process given (tests pass a fake one). A task whose
// dependency failed is skipped, not run.
export async function runBatch(
  taskGraph: Pick<TaskGraph, 'tasks' | 'dependencies'>,
  inputs: Record<string, CliOptions>,
  run: (options: Omit<CliOptions, 'service'>, services: string[]) => Promise<Run>,
): Promise<Record<string, TaskResult>> {
  const results: Record<string, TaskResult> = {};
  for (const wave of waves(taskGraph)) {
    const groups = new Map<string, string[]>();
    for (const id of wave) {
      const failedDependency = (taskGraph.dependencies[id] ?? []).find((d) => results[d] && !results[d].success);
      if (failedDependency) {
        const now = Date.now();
        results[id] = {
          success: false,
          status: 'skipped',
          terminalOutput: `not run: ${failedDependency} failed\n`,
          startTime: now,
          endTime: now,
        };
        continue;
      }
      const key = `${inputs[id]!.command} ${inputs[id]!.inventory}`;
      groups.set(key, [...(groups.get(key) ?? []), id]);
    }
    await Promise.all(
      [...groups.values()].map(async (ids) => {
        const first = inputs[ids[0]!]!;
        const startTime = Date.now();
        const done = await run(
          first,
          ids.map((id) => inputs[id]!.service),
        );
        const endTime = Date.now();
        for (const id of ids) results[id] = taskResult(inputs[id]!.service, done, startTime, endTime);
      }),
    );
  }
  return results;
}
