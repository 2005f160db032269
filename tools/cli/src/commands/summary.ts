// `homelab summary FILE`: the Markdown summary of a `homelab deploy --json` result, for a pull-request
// comment (pr-test posts what this prints, so the summary is built and tested here, not in the YAML).
import { readFileSync } from 'node:fs';
import type { DeployResult } from '@homelab/deploy';
import { ConfigError } from '@homelab/model';
import type { CommandContext } from './context.ts';

// Pure: the comment body; a missing or unreadable result says so instead of a table.
export function deploySummary(results: DeployResult[] | undefined, title: string): string {
  const lines = [`### ${title}`, ''];
  if (!results) return [...lines, '_The lab deploy did not produce results; see the job log._', ''].join('\n');
  if (results.length === 0) return [...lines, '_No service whose release changes runs in the lab._', ''].join('\n');
  lines.push('| service | host | result | version | seconds | note |', '|---|---|---|---|---|---|');
  for (const r of results)
    lines.push(
      `| ${r.service} | ${r.host} | ${r.result} | ${r.version} | ${r.seconds.toFixed(1)} | ${(r.message ?? '').split('\n')[0]!.replaceAll('|', '\\|')} |`,
    );
  return [...lines, ''].join('\n');
}

export async function summaryCommand(ctx: CommandContext): Promise<number> {
  const [file] = ctx.args;
  if (!file)
    throw new ConfigError([
      {
        file: 'homelab summary',
        path: '',
        message: 'names no file',
        hint: 'homelab summary lab-deploy.json (written by homelab deploy --json)',
      },
    ]);
  let results: DeployResult[] | undefined;
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as DeployResult[];
  } catch {
    results = undefined;
  }
  ctx.out(deploySummary(results, 'homelab: lab deploy of the services whose release changes'));
  return results ? 0 : 1;
}
