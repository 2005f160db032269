// npm run bench:cli — figures, no assertions: whole `homelab` processes as a user runs them, each row
// beside a reference measured in the same run (one SSH round trip to the same host, `node -e 0`), as
// medians with their spread (min-max) over BENCH_RUNS runs, paired side by side.
// HOMELAB_BENCH_CLI=<path to another checkout's tools/cli/src/main.ts> measures that CLI instead (the
// "before" of a change), against the same lab and references.
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { SshExecutor, sshArgs } from '@homelab/host';
import { labWorkspace, type TestService } from '@homelab/lab/testing';
import { repoRoot } from '@homelab/model/testing';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const main = process.env.HOMELAB_BENCH_CLI ?? join(repoRoot, 'tools/cli/src/main.ts');

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${sorted(xs)[0]!.toFixed(2)}-${sorted(xs).at(-1)!.toFixed(2)}`;

const lab = await labWorkspace();
try {
  const services: TestService[] = Array.from({ length: 4 }, (_, i) => ({
    name: `${lab.prefix}-b${i}`,
    host: i % 2 ? 'dns01' : 'ocean',
    port: 18301 + i,
    title: 'b',
  }));
  for (const s of services) lab.write(s);
  const cli = (args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', main, args[0]!, '--inventory', 'lab', ...args.slice(1)], {
      cwd: lab.root,
      reject: false,
    });
  const ok = async (args: string[]) => {
    const r = await cli(args);
    if (r.exitCode !== 0) throw new Error(`homelab ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  };
  await ok(['deploy', ...services.map((s) => s.name)]);

  const ocean = lab.inventory.hosts.ocean!;
  const ssh = new SshExecutor(ocean);
  const file = `${ocean.deployRoot}/${services[0]!.name}/current/compose.yaml`;
  const rows: Array<{ job: string; ours: number[]; reference: string; ref: number[] }> = [
    {
      job: `homelab deploy ${services[0]!.name}, nothing changed`,
      ours: [],
      reference: 'one SSH round trip (sha256sum of the deployed compose file)',
      ref: [],
    },
    {
      job: `homelab deploy ${services[0]!.name}, nothing changed`,
      ours: [],
      reference: 'one SSH round trip in a new ssh process and connection (no shared master)',
      ref: [],
    },
    {
      job: `homelab deploy of ${services.length} services on 2 hosts, nothing changed`,
      ours: [],
      reference: 'one SSH round trip',
      ref: [],
    },
    { job: 'homelab --help', ours: [], reference: 'node -e 0', ref: [] },
    { job: 'homelab deploy --bogus (usage error)', ours: [], reference: 'node -e 0', ref: [] },
  ];
  rows.push({
    job: 'nx show projects in this workspace (the graph: plugin and every project), daemon off',
    ours: [],
    reference: 'the same in an empty Nx workspace',
    ref: [],
  });
  // An empty Nx workspace beside it, on the same Nx.
  const empty = mkdtempSync(join(tmpdir(), 'homelab-empty-nx-'));
  writeFileSync(join(empty, 'nx.json'), '{}\n');
  writeFileSync(join(empty, 'package.json'), '{"name":"empty","private":true}\n');
  symlinkSync(join(repoRoot, 'node_modules'), join(empty, 'node_modules'));
  const nx = (cwd: string) =>
    execa(join(repoRoot, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd, env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const roundTrip = () => ssh.sh(`sha256sum ${file}`);
  const freshRoundTrip = () =>
    execa('ssh', [
      ...sshArgs(ocean, { controlDir: '/tmp' }).map((a) => (a.startsWith('ControlMaster=') ? 'ControlMaster=no' : a)),
      `sha256sum ${file}`,
    ]);
  const node0 = () => execa(process.execPath, ['-e', '0']);
  for (let i = 0; i < runs; i++) {
    rows[0]!.ours.push(await time(() => ok(['deploy', services[0]!.name])));
    rows[0]!.ref.push(await time(roundTrip));
    rows[1]!.ours.push(await time(() => ok(['deploy', services[0]!.name])));
    rows[1]!.ref.push(await time(freshRoundTrip));
    rows[2]!.ours.push(await time(() => ok(['deploy', ...services.map((s) => s.name)])));
    rows[2]!.ref.push(await time(roundTrip));
    rows[3]!.ours.push(await time(() => cli(['--help'])));
    rows[3]!.ref.push(await time(node0));
    rows[4]!.ours.push(await time(() => cli(['deploy', '--bogus'])));
    rows[4]!.ref.push(await time(node0));
    rows[5]!.ours.push(await time(() => nx(repoRoot)));
    rows[5]!.ref.push(await time(() => nx(empty)));
  }
  console.log(`\nCLI benchmark (${runs} runs each, paired; medians and min-max; CLI: ${main})`);
  console.log('| job | homelab | reference | reference time | ratio |');
  console.log('|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.job} | ${median(r.ours).toFixed(2)} s (${spread(r.ours)}) | ${r.reference} | ${median(r.ref).toFixed(2)} s (${spread(r.ref)}) | ${(median(r.ours) / median(r.ref)).toFixed(1)}x |`,
    );
} finally {
  await lab.cleanup();
}
