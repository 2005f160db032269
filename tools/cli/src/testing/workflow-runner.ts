// Test helper: runs a GitHub Actions job's `run:` steps as a runner does, read from the workflow YAML
// itself, so that the YAML cannot drift from what the tests exercise. Steps run in order with
// `bash --noprofile --norc -eo pipefail`, the job's and the step's env (secrets given by the test),
// GITHUB_ENV honoured between steps, RUNNER_TEMP a folder of the job's own; after a failure only `if: always()` steps run. `uses:` steps are
// the test's to stand in for (checkout is the clone itself; nx-set-shas sets NX_BASE/NX_HEAD).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

export interface StepResult {
  step: string;
  /** Why the step did not run, when it did not. */
  skipped?: string;
  exitCode?: number;
  output?: string;
}

export interface JobOptions {
  cwd: string;
  env: Record<string, string>;
  /** Values for ${{ secrets.NAME }}. */
  secrets?: Record<string, string>;
  /** A reason to leave a `run:` step out (e.g. an install step the test machine has done), or undefined. */
  skip?: (step: Step) => string | undefined;
  /** Stands in for a `uses:` step; returns variables to add to the environment. */
  uses?: (step: Step) => Promise<Record<string, string> | undefined> | Record<string, string> | undefined;
}

export function readJob(workflowFile: string, job: string): { env: Record<string, string>; steps: Step[] } {
  const doc = parse(readFileSync(workflowFile, 'utf8')) as { jobs: Record<string, { env?: Record<string, string>; steps: Step[] }> };
  const def = doc.jobs[job];
  if (!def) throw new Error(`${workflowFile}: no job ${job}`);
  return { env: def.env ?? {}, steps: def.steps };
}

// ${{ secrets.NAME }} from the test's values; any other expression is not supported here (and fails).
function expand(value: string, secrets: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_all, expr: string) => {
    const m = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
    if (!m || secrets[m[1]!] === undefined) throw new Error(`the workflow step uses \${{ ${expr} }}, which the test does not provide`);
    return secrets[m[1]!]!;
  });
}

// Runs one `run:` step as the runner does, with its own env over `env`; GITHUB_ENV is the given file.
export function execStep(step: Step, cwd: string, env: Record<string, string>, githubEnv: string, secrets: Record<string, string> = {}) {
  if (!step.run) throw new Error(`step ${step.name ?? step.uses ?? '?'} has nothing to run`);
  const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), secrets)]));
  return execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
    cwd,
    env: { ...env, ...stepEnv, GITHUB_ENV: githubEnv },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

export async function runJob(workflowFile: string, job: string, options: JobOptions): Promise<StepResult[]> {
  const { env: jobEnv, steps } = readJob(workflowFile, job);
  const secrets = options.secrets ?? {};
  const work = mkdtempSync(join(tmpdir(), 'homelab-job-'));
  const githubEnv = join(work, 'github-env');
  // The runner's temporary folder, emptied after the job (as RUNNER_TEMP is on GitHub's runners).
  const runnerTemp = join(work, 'runner-temp');
  mkdirSync(runnerTemp);
  let env: Record<string, string> = {
    RUNNER_TEMP: runnerTemp,
    ...options.env,
    ...Object.fromEntries(Object.entries(jobEnv).map(([k, v]) => [k, expand(String(v), secrets)])),
  };
  const results: StepResult[] = [];
  let failed = false;
  try {
    for (const step of steps) {
      const name = step.name ?? step.uses ?? '(step)';
      if (failed && !(step.if ?? '').includes('always()')) {
        results.push({ step: name, skipped: 'an earlier step failed' });
        continue;
      }
      if (step.uses) {
        env = { ...env, ...((await options.uses?.(step)) ?? {}) };
        results.push({ step: name, skipped: `uses ${step.uses}: stood in for by the test` });
        continue;
      }
      const why = options.skip?.(step);
      if (why || !step.run) {
        results.push({ step: name, skipped: why ?? 'no run' });
        continue;
      }
      writeFileSync(githubEnv, '');
      const r = await execStep(step, options.cwd, env, githubEnv, secrets);
      for (const line of readFileSync(githubEnv, 'utf8').split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
      }
      results.push({ step: name, exitCode: r.exitCode ?? 1, output: String(r.all) });
      if (r.exitCode !== 0) failed = true;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
