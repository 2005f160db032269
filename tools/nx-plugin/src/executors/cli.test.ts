import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import { bundledCli, notStarted, runBatch, runCli, runCliHere, serial, taskResult, waves, type CliOptions, type Run } from './cli.ts';

const task = (project: string, target: CliOptions['command'], inventory = 'lab') => ({
  id: `${project}:${target}:${inventory}`,
  input: { command: target, service: project, inventory },
});

function graph(entries: Array<ReturnType<typeof task>>, dependencies: Record<string, string[]> = {}) {
  return {
    tasks: Object.fromEntries(entries.map((e) => [e.id, { id: e.id }])) as never,
    dependencies: Object.fromEntries(entries.map((e) => [e.id, dependencies[e.id] ?? []])),
    inputs: Object.fromEntries(entries.map((e) => [e.id, e.input])) as Record<string, CliOptions>,
  };
}

describe('waves', () => {
  it('puts each task after its dependencies inside the batch; dependencies outside it are done already', () => {
    const g = graph([task('a', 'validate'), task('b', 'validate'), task('a', 'deploy'), task('b', 'deploy')], {
      'a:deploy:lab': ['a:validate:lab', 'lib:build'],
      'b:deploy:lab': ['b:validate:lab'],
    });
    expect(waves(g)).toEqual([
      ['a:validate:lab', 'b:validate:lab'],
      ['a:deploy:lab', 'b:deploy:lab'],
    ]);
  });

  it('refuses a cycle instead of looping', () => {
    const g = graph([task('a', 'validate'), task('a', 'deploy')], {
      'a:deploy:lab': ['a:validate:lab'],
      'a:validate:lab': ['a:deploy:lab'],
    });
    expect(() => waves(g)).toThrow(/in a cycle/);
  });
});

describe('runBatch', () => {
  it('runs one homelab process per command and inventory, gives each task its own row, skips what depends on a failure', async () => {
    const g = graph(
      [task('a', 'validate'), task('b', 'validate'), task('c', 'validate', 'production'), task('a', 'deploy'), task('b', 'deploy')],
      { 'a:deploy:lab': ['a:validate:lab'], 'b:deploy:lab': ['b:validate:lab'] },
    );
    const calls: string[] = [];
    const results = await runBatch(g, g.inputs, async (options, services): Promise<Run> => {
      calls.push(`${options.command} ${services.join(' ')} -i ${options.inventory}`);
      const ok = (s: string) => !(options.command === 'validate' && s === 'b');
      return {
        code: services.every(ok) ? 0 : 1,
        output: 'the whole output',
        outcomes: new Map(services.map((s) => [s, { service: s, ok: ok(s), summary: `${s}: ${ok(s) ? 'fine' : 'broken'}` }])),
      };
    });
    expect(calls).toEqual(['validate a b -i lab', 'validate c -i production', 'deploy a -i lab']);
    expect(results['a:validate:lab']).toMatchObject({ success: true, terminalOutput: 'a: fine\n' });
    expect(results['b:validate:lab']).toMatchObject({ success: false, status: 'failure', terminalOutput: 'b: broken\n' });
    expect(results['c:validate:production']).toMatchObject({ success: true });
    expect(results['a:deploy:lab']).toMatchObject({ success: true });
    expect(results['b:deploy:lab']).toMatchObject({
      success: false,
      status: 'skipped',
      terminalOutput: 'not run: b:validate:lab failed\n',
    });
  });
});

describe('taskResult', () => {
  it('a run that ended before per-service results fails every task with its whole output', () => {
    const run: Run = { code: 2, output: "error: unknown option '--bogus'", outcomes: undefined };
    expect(taskResult('a', run, 1, 2)).toEqual({ success: false, status: 'failure', terminalOutput: run.output, startTime: 1, endTime: 2 });
  });

  it('a service missing from the results fails and says so', () => {
    const run: Run = { code: 1, output: 'out', outcomes: new Map() };
    expect(taskResult('a', run, 1, 2).terminalOutput).toContain('a: no result from homelab (exit 1)');
  });
});

describe('runCli (the real homelab process)', () => {
  it('reads each service outcome back from HOMELAB_RESULTS_FILE', async () => {
    const run = await runCli(repoRoot, { command: 'validate', inventory: 'production' }, ['static-site', 'llama-cpp']);
    expect(run.code, run.output).toBe(0);
    expect(run.outcomes?.get('static-site')).toEqual({
      service: 'static-site',
      ok: true,
      summary: expect.stringMatching(/^- static-site skipped: not part of inventory production: /),
    });
    expect(run.outcomes?.get('llama-cpp')).toEqual({
      service: 'llama-cpp',
      ok: true,
      summary: '✔ llama-cpp is valid for inventory production',
    });
  }, 60_000);

  it('a usage error leaves no results: every task then fails with the output', async () => {
    const run = await runCli(repoRoot, { command: 'bogus' as CliOptions['command'], inventory: 'lab' }, ['static-site']);
    expect(run.code).toBe(2);
    expect(run.outcomes).toBeUndefined();
    expect(run.output).toContain("unknown command 'bogus'");
  }, 60_000);
});

describe('runCliHere (the CLI in the batch worker itself)', () => {
  it('gives what the homelab process gives: outcomes, exit code, output; and leaves this process as it was', async () => {
    const cli = await bundledCli(repoRoot);
    expect(cli).toBeDefined();
    const cwd = process.cwd();
    const env = process.env.HOMELAB_RESULTS_FILE;
    const write = process.stdout.write;
    for (const [options, services] of [
      [{ command: 'validate', inventory: 'production' }, ['static-site', 'llama-cpp']],
      [{ command: 'bogus', inventory: 'lab' }, ['static-site']],
    ] as const) {
      const [here, child] = [
        await runCliHere(cli!, repoRoot, options as Omit<CliOptions, 'service'>, [...services]),
        await runCli(repoRoot, options as Omit<CliOptions, 'service'>, [...services]),
      ];
      expect({ code: here.code, outcomes: here.outcomes, output: here.output }).toEqual({
        code: child.code,
        outcomes: child.outcomes,
        output: child.output,
      });
    }
    expect([process.cwd(), process.env.HOMELAB_RESULTS_FILE, process.stdout.write]).toEqual([cwd, env, write]);
  }, 60_000);
});

describe('runCliHere, two commands in one worker', () => {
  it('masks the secrets of each (the mask is put back for the second after the first gave the streams back)', async () => {
    const { redactOutput } = await import('@homelab/vault');
    const cli = {
      main: async (argv: string[]) => {
        redactOutput(['hunter2-secret']);
        process.stdout.write(`${argv[0]}: password is hunter2-secret\n`);
        return 0;
      },
    };
    const runs = [
      await runCliHere(cli, repoRoot, { command: 'plan', inventory: 'lab' }, ['a']),
      await runCliHere(cli, repoRoot, { command: 'deploy', inventory: 'lab' }, ['a']),
    ];
    expect(runs.map((r) => r.output)).toEqual(['plan: password is ********\n', 'deploy: password is ********\n']);
  });
});

describe('notStarted', () => {
  it('fails each task of a command a stopped batch did not start, saying why', () => {
    expect(taskResult('a', notStarted('SIGTERM'), 1, 2)).toEqual({
      success: false,
      status: 'failure',
      terminalOutput: 'not started: stopped by SIGTERM\n',
      startTime: 1,
      endTime: 2,
    });
    expect(notStarted('SIGINT').code).toBe(130);
  });
});

describe('serial', () => {
  it('starts each call after the one before ended, failed or not', async () => {
    const log: string[] = [];
    const run = serial(async (name: string, fail: boolean) => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([run('a', true), run('b', false)]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });
});
