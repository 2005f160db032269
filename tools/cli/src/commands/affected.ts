// `homelab affected [--base REV] [--head REV] [--inventory I] [--json] [--output FILE]`: the services whose
// release on their host changes between two revisions, and why, without contacting any host.
import { writeFileSync } from 'node:fs';
import { findWorkspaceRoot } from '@homelab/model';
import { affectedBetween, type AffectedResult } from '../affected/affected.ts';
import { vaultSecretsIfGiven } from '../session.ts';
import type { CommandContext, VaultOptions } from './context.ts';

export interface RevisionOptions extends VaultOptions {
  base?: string;
  head?: string;
}

export interface AffectedOptions extends RevisionOptions {
  output?: string;
  json?: boolean;
}

// The revisions compared: flags, then the variables nrwl/nx-set-shas sets in CI, then main..HEAD.
export function revisions(ctx: CommandContext<RevisionOptions>): { base: string; head: string } {
  return { base: ctx.options.base ?? process.env.NX_BASE ?? 'main', head: ctx.options.head ?? process.env.NX_HEAD ?? 'HEAD' };
}

export function computeAffected(ctx: CommandContext<RevisionOptions>): Promise<AffectedResult> {
  const { base, head } = revisions(ctx);
  return vaultSecretsIfGiven(ctx).then((vault) => affectedBetween(findWorkspaceRoot(), base, head, ctx.inventory, vault));
}

export function describeAffected(r: AffectedResult): string[] {
  const lines = [
    `${r.affected.length} service(s) of inventory ${r.inventory} change between ${r.base.rev} (${r.base.sha.slice(0, 12)}) and ${r.head.rev} (${r.head.sha.slice(0, 12)})`,
  ];
  for (const a of r.affected) lines.push(`  ${a.service} on ${a.host}: ${a.reasons.join('; ')}`);
  for (const x of r.removed)
    lines.push(`  (no longer deployed) ${x.service} on ${x.host}: ${x.why}; its containers stay until removed by hand`);
  for (const b of r.broken) lines.push(`  ✖ ${b.service} cannot be loaded at ${r.head.rev}: ${b.message}`);
  return lines;
}

export async function affectedCommand(ctx: CommandContext<AffectedOptions>): Promise<number> {
  const result = await computeAffected(ctx);
  if (ctx.options.output) writeFileSync(ctx.options.output, `${JSON.stringify(result, null, 2)}\n`);
  if (ctx.json) ctx.out(JSON.stringify(result, null, 2));
  else for (const line of describeAffected(result)) ctx.out(line);
  return result.broken.length ? 1 : 0;
}
