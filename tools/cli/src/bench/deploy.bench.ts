// npm run bench:deploy — figures, no assertions: our deploy against an Ansible playbook doing the
// same job on the same lab host, and 10 services across 2 hosts in parallel against one by one.
import { join } from 'node:path';
import { execa } from 'execa';
import { runMany, type DeployResult } from '@homelab/deploy';
import { SshExecutor } from '@homelab/host';
import { labWorkspace, type TestService } from '@homelab/lab/testing';
import { loadWorkspace } from '../workspace.ts';
import { ansibleJob } from './ansible.ts';
import { median, progressAt, time } from './measure.ts';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const fmt = (s: number) => `${s.toFixed(2)} s`;

const lab = await labWorkspace();
try {
  const svc = (name: string, host: TestService['host'], port: number, title: string): TestService => ({ name, host, port, title });
  const ours = svc(`${lab.prefix}-ours`, 'ocean', 18181, 't0');
  const theirs = svc(`${lab.prefix}-ans`, 'ocean', 18182, 't0');
  lab.write(ours);
  lab.write(theirs);

  // --- homelab deploy, as a user runs it (a whole CLI process each time) ---
  const cli = async (title?: string) => {
    if (title) lab.write({ ...ours, title });
    const r = await lab.cli(['deploy', ours.name]);
    if (r.exitCode !== 0) throw new Error(`homelab deploy failed:\n${r.all}`);
    return r;
  };
  await cli();
  const oursNoop: number[] = [];
  const oursChanged: number[] = [];
  const healthGate: number[] = [];
  for (let i = 0; i < runs; i++) oursNoop.push(await time(() => cli()));
  for (let i = 0; i < runs; i++) {
    let out = '';
    oursChanged.push(
      await time(async () => {
        out = (await cli(`t${i + 1}`)).stderr;
      }),
    );
    healthGate.push(progressAt(out, 'health test passed') - progressAt(out, 'waiting for the health test'));
  }

  // --- the same job as an Ansible playbook: copy compose and .env, docker compose up -d ---
  const host = lab.inventory.hosts.ocean!;
  const playbook = ansibleJob(lab.root, join(lab.root, 'ansible'), host, [theirs.name]);
  const render = async (title: string) => {
    lab.write({ ...theirs, title });
    await playbook.render();
  };
  const ansible = () => playbook.run();
  await render('t0');
  await ansible();
  const ansNoop: number[] = [];
  const ansChanged: number[] = [];
  for (let i = 0; i < runs; i++) ansNoop.push(await time(ansible));
  for (let i = 0; i < runs; i++) {
    await render(`t${i + 1}`);
    ansChanged.push(await time(ansible));
  }

  // --- 10 services across 2 hosts: parallel (one call) against one by one ---
  const fleet = Array.from({ length: 10 }, (_, i) => svc(`${lab.prefix}-f${i}`, i % 2 ? 'dns01' : 'ocean', 18200 + i, 'f0'));
  const deployFleet = async (title: string, together: boolean): Promise<number> => {
    for (const s of fleet) lab.write({ ...s, title });
    const { workspace } = await loadWorkspace('lab', lab.root);
    const services = fleet.map((s) => workspace.services.find((x) => x.name === s.name)!);
    const options = {
      action: 'deploy' as const,
      inventory: workspace.inventory,
      executorFor: (h: typeof host) => new SshExecutor(h),
      secretsFor: async () => ({}),
      gitSha: 'bench',
      lockWaitMs: 60_000,
      log: () => {},
    };
    const check = (rs: DeployResult[]) => {
      const bad = rs.filter((r) => r.result !== 'deployed');
      if (bad.length) throw new Error(`fleet deploy failed: ${JSON.stringify(bad)}`);
    };
    return time(async () => {
      if (together) check(await runMany({ ...options, services }));
      else for (const s of services) check(await runMany({ ...options, services: [s] }));
    });
  };
  await deployFleet('f0', true);
  const fleetRuns = Math.max(1, Math.min(runs, 3));
  const parallel: number[] = [];
  const serial: number[] = [];
  for (let i = 0; i < fleetRuns; i++) {
    parallel.push(await deployFleet(`p${i}`, true));
    serial.push(await deployFleet(`s${i}`, false));
  }

  const rows: Array<[string, number, number]> = [
    ['no-op deploy (nothing changed)', median(oursNoop), median(ansNoop)],
    ['changed deploy (one env value)', median(oursChanged), median(ansChanged)],
  ];
  console.log(
    `\nDeploy benchmark on lab host ocean (${runs} runs each, medians; ansible-core ${(await execa('ansible', ['--version'])).stdout.split('\n')[0]?.replace(/^ansible \[core (.*)\]$/, '$1')})`,
  );
  console.log('| job | homelab deploy | ansible-playbook | homelab / ansible |');
  console.log('|---|---|---|---|');
  for (const [job, a, b] of rows) console.log(`| ${job} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)} |`);
  console.log(
    `| changed deploy without its health gate (median gate ${fmt(median(healthGate))}) | ${fmt(median(oursChanged) - median(healthGate))} | ${fmt(median(ansChanged))} | ${((median(oursChanged) - median(healthGate)) / median(ansChanged)).toFixed(2)} |`,
  );
  console.log(
    'homelab times are whole CLI runs: validate (with docker compose config), render, plan, lock, stage, swap, compose up and the health gate; the playbook copies files and runs compose up, with no health check.',
  );
  console.log(`\n10 services across 2 hosts, changed deploy (${fleetRuns} runs, medians):`);
  console.log(
    `| parallel across hosts | one by one | speed-up |\n|---|---|---|\n| ${fmt(median(parallel))} | ${fmt(median(serial))} | ${(median(serial) / median(parallel)).toFixed(2)}x |`,
  );
} finally {
  await lab.cleanup();
}
