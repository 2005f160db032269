import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '@homelab/model/testing';
import { lintWorkflows } from './lint-workflows.ts';

const workflow = (name: string) => parse(readFileSync(join(repoRoot, '.github/workflows', name), 'utf8')) as Record<string, any>;

describe('GitHub workflows', () => {
  it('pass actionlint', async () => {
    expect(await lintWorkflows(repoRoot)).toEqual([]);
  });

  it('main-apply deploys affected services to production, one run at a time, on the homelab runner', () => {
    const w = workflow('main-apply.yml');
    expect(w.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
    const job = w.jobs.deploy;
    expect(job['runs-on']).toEqual(['self-hosted', 'homelab', 'ansible']);
    expect(job.env.ANSIBLE_VAULT_PASSWORD).toBe('${{ secrets.ANSIBLE_VAULT_PASSWORD }}');
    const steps = job.steps as Array<{ uses?: string; run?: string; env?: Record<string, string> }>;
    expect(steps.some((s) => s.uses?.startsWith('nrwl/nx-set-shas@'))).toBe(true);
    // The exact set is written first, and the deploy tasks Nx starts keep to it.
    const exact = steps.findIndex((s) => s.run?.includes('homelab affected') && s.run.includes('--inventory production --output affected-production.json'));
    const deploy = steps.findIndex((s) => s.run?.includes('nx affected -t deploy -c production'));
    expect(exact).toBeGreaterThan(0);
    expect(deploy).toBeGreaterThan(exact);
    expect(steps[deploy]!.env).toEqual({ HOMELAB_AFFECTED_FILE: 'affected-production.json' });
  });

  it('pr-test validates, tests and lab-deploys what is affected; pr-cleanup removes the lab', () => {
    const runs = (workflow('pr-test.yml').jobs.test.steps as Array<{ run?: string }>).map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('nx affected -t validate');
    expect(runs).toContain('nx affected -t test');
    expect(runs).toContain('homelab deploy --affected');
    expect((workflow('pr-cleanup.yml').jobs.cleanup.steps as Array<{ run?: string }>).some((s) => s.run?.includes('homelab lab down'))).toBe(true);
  });
});
