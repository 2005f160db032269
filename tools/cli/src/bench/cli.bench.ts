// npm run bench:cli — figures, no assertions: whole `homelab` and `nx` processes as a user and CI run them,
// each row beside a reference measured in the same run and paired with it run by run (one SSH round trip to
// the same host, the same job as an Ansible playbook, `node -e 0`, an empty Nx workspace on the same Nx),
// as medians with their spread (min-max) over BENCH_RUNS runs (default 5), and the ratio of the medians.
// The `homelab` rows run tools/cli/bin/homelab.js, as node_modules/.bin/homelab does.
// HOMELAB_BENCH_CLI=<another checkout's tools/cli/bin/homelab.js, or its src/main.ts (run through tsx)>
// measures that CLI in the `homelab` rows instead, against the same lab and references;
// HOMELAB_BENCH_BEFORE=<the same> measures it beside this one, in the same runs (rows marked "before"),
// so that each before/after pair comes from one run; when that CLI is another checkout's
// tools/cli/bin/homelab.js with its own node_modules, the Nx deploy rows run there too ("before: nx ...").
// The Nx rows run in this repository against the lab services `npm start` deployed; the rest in a
// throw-away lab workspace.
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { sshArgs } from '@homelab/host';
import { labWorkspace, type TestService } from '@homelab/lab/testing';
import { cacheDir } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';
import { ansibleJob } from './ansible.ts';
import { median, progressAt, spread, time } from './measure.ts';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const main = process.env.HOMELAB_BENCH_CLI ?? join(repoRoot, 'tools/cli/bin/homelab.js');
const command = (bin: string) => (bin.endsWith('.ts') ? [process.execPath, '--import', 'tsx', bin] : [process.execPath, bin]);
const node = command(main);
const beforeBin = process.env.HOMELAB_BENCH_BEFORE;
// The checkout of the "before" CLI, when it is one with its own Nx: <root>/tools/cli/bin/homelab.js.
const beforeRoot = beforeBin && join(beforeBin, '..', '..', '..', '..');
const nxBefore = beforeRoot && beforeBin.endsWith('tools/cli/bin/homelab.js') && existsSync(join(beforeRoot, 'node_modules/.bin/nx'));
const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

interface Row {
  job: string;
  reference: string;
  ours: number[];
  ref: number[];
  /** Extra figures of the row (CPU seconds, the parts of a changed deploy), medians. */
  notes: Record<string, number[]>;
}
const rows: Row[] = [];
function row(job: string, reference: string): Row {
  const r: Row = { job, reference, ours: [], ref: [], notes: {} };
  rows.push(r);
  return r;
}
const note = (r: Row, key: string, value: number) => {
  r.notes[key] = [...(r.notes[key] ?? []), value];
};

async function ok(p: Promise<{ exitCode?: number; all?: string; stdout?: string; stderr?: string }>, what: string) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode}):\n${r.all ?? `${r.stdout}\n${r.stderr}`}`);
  return r;
}

const lab = await labWorkspace();
const empty = mkdtempSync(join(tmpdir(), 'homelab-empty-nx-'));
try {
  // --- the throw-away lab workspace: 7 services on ocean for homelab, 7 more for the Ansible playbook ---
  const ours: TestService[] = Array.from({ length: 7 }, (_, i) => ({
    name: `${lab.prefix}-s${i}`,
    host: 'ocean',
    port: 18301 + i,
    title: 's',
  }));
  const theirs: TestService[] = ours.map((s, i) => ({ ...s, name: `${lab.prefix}-a${i}`, port: 18311 + i }));
  for (const s of [...ours, ...theirs]) lab.write(s);
  const ocean = lab.inventory.hosts.ocean!;
  // `homelab` as a user runs it with node_modules/.bin on PATH: node, the bin, the CLI (no npm in between).
  const homelabWith = (cli: string[]) => (args: string[]) =>
    execa('/usr/bin/time', ['-f', 'cpu %U %S', ...cli, args[0]!, '--inventory', 'lab', ...args.slice(1)], {
      cwd: lab.root,
      reject: false,
      all: true,
    });
  const homelab = homelabWith(node);
  const before = beforeBin ? homelabWith(command(beforeBin)) : undefined;
  const cpu = (stderr: string) => {
    const m = stderr.match(/cpu ([\d.]+) ([\d.]+)\s*$/);
    return m ? Number(m[1]) + Number(m[2]) : NaN;
  };
  const npx = (args: string[]) =>
    execa('npx', ['homelab', args[0]!, '--inventory', 'lab', ...args.slice(1)], {
      cwd: lab.root,
      reject: false,
      all: true,
    });
  await ok(homelab(['deploy', ...ours.map((s) => s.name)]), 'first deploy');
  const one = ansibleJob(lab.root, join(lab.root, 'ansible-one'), ocean, [theirs[0]!.name]);
  const seven = ansibleJob(
    lab.root,
    join(lab.root, 'ansible-seven'),
    ocean,
    theirs.map((s) => s.name),
  );
  await one.render();
  await seven.render();
  await seven.run();

  const file = `${ocean.deployRoot}/${ours[0]!.name}/current/compose.yaml`;
  const roundTrip = () =>
    execa('ssh', [
      ...sshArgs(ocean, { controlDir: '/tmp' }).map((a) => (a.startsWith('ControlMaster=') ? 'ControlMaster=no' : a)),
      `sha256sum ${file}`,
    ]);
  const node0 = () => execa(process.execPath, ['-e', '0']);

  const npxRow = row(`npx homelab deploy ${ours[0]!.name}, nothing changed`, 'the same job as an Ansible playbook');
  const single = row(`homelab deploy ${ours[0]!.name}, nothing changed`, 'one SSH round trip hashing the deployed compose file');
  const many = row(
    `homelab deploy of ${ours.length} services on ocean, nothing changed`,
    `Ansible looping the same job over ${theirs.length} services`,
  );
  const manyRtt = row(`homelab deploy of ${ours.length} services on ocean, nothing changed`, 'one SSH round trip');
  const help = row('homelab --help', 'node -e 0');
  const usage = row('homelab deploy --bogus (usage error)', 'node -e 0');
  const changed = row(`homelab deploy ${ours[0]!.name}, one value changed, less the health wait`, '2 SSH round trips + its compose up');
  const was = before && {
    single: row(`before: homelab deploy ${ours[0]!.name}, nothing changed`, 'one SSH round trip hashing the deployed compose file'),
    many: row(`before: homelab deploy of ${ours.length} services on ocean, nothing changed`, 'one SSH round trip'),
    help: row('before: homelab --help', 'node -e 0'),
    changed: row(
      `before: homelab deploy ${ours[0]!.name}, one value changed, less the health wait (its record and unlock counted as health wait)`,
      '2 SSH round trips + its compose up',
    ),
  };
  // A no-op deploy of the first service by `cli`, its CPU time noted, beside one round trip.
  const noOpDeploy = async (cli: typeof homelab, r: Row, what: string) => {
    let out = { stderr: '' } as { stderr?: string };
    r.ours.push(
      await time(async () => {
        out = await ok(cli(['deploy', ours[0]!.name]), what);
      }),
    );
    note(r, 'CPU s', cpu(out.stderr ?? ''));
    r.ref.push(await time(roundTrip));
  };
  // A deploy of the first service with one value changed, less the application's health wait (from
  // "waiting for the health test" to "health test passed"), beside 2 round trips and its compose up (from
  // "starting containers" to "waiting for the health test"). A CLI that does not say "health test
  // passed" (before) is taken until "deployed": its record and its lock's release count as health wait.
  const changedDeploy = async (cli: typeof homelab, r: Row, title: string) => {
    lab.write({ ...ours[0]!, title });
    let out = '';
    const total = await time(async () => {
      out = (await ok(cli(['deploy', ours[0]!.name]), 'changed deploy')).all ?? '';
    });
    const up = progressAt(out, 'waiting for the health test') - progressAt(out, 'starting containers');
    const passed = out.includes('health test passed') ? 'health test passed' : ': deployed';
    const health = progressAt(out, passed) - progressAt(out, 'waiting for the health test');
    r.ours.push(total - health);
    note(r, 'compose up s', up);
    note(r, 'health wait s', health);
    r.ref.push(2 * (await time(roundTrip)) + up);
  };
  for (let i = 0; i < runs; i++) {
    if (before && was) {
      await noOpDeploy(before, was.single, 'homelab deploy (before)');
      was.many.ours.push(await time(() => ok(before(['deploy', ...ours.map((s) => s.name)]), 'homelab deploy (7, before)')));
      was.many.ref.push(await time(roundTrip));
      was.help.ours.push(await time(() => before(['--help'])));
      was.help.ref.push(await time(node0));
    }
    npxRow.ours.push(await time(() => ok(npx(['deploy', ours[0]!.name]), 'npx homelab deploy')));
    npxRow.ref.push(await time(() => one.run()));
    await noOpDeploy(homelab, single, 'homelab deploy');
    many.ours.push(await time(() => ok(homelab(['deploy', ...ours.map((s) => s.name)]), 'homelab deploy (7)')));
    many.ref.push(await time(() => seven.run()));
    manyRtt.ours.push(many.ours.at(-1)!);
    manyRtt.ref.push(await time(roundTrip));
    help.ours.push(await time(() => homelab(['--help'])));
    help.ref.push(await time(node0));
    usage.ours.push(await time(() => homelab(['deploy', '--bogus'])));
    usage.ref.push(await time(node0));
    await changedDeploy(homelab, changed, `c${i}`);
    if (before && was) await changedDeploy(before, was.changed, `b${i}`);
  }

  // --- Nx, in this repository, against the lab services `npm start` deployed ---
  writeFileSync(join(empty, 'nx.json'), '{}\n');
  writeFileSync(
    join(empty, 'package.json'),
    `${JSON.stringify({ name: 'empty', private: true, nx: { targets: { noop: { command: 'true', cache: true } } } })}\n`,
  );
  symlinkSync(join(repoRoot, 'node_modules'), join(empty, 'node_modules'));
  // Nx as installed in `cwd` (the empty workspace links this repository's node_modules).
  const nx = (cwd: string, args: string[], env: Record<string, string> = {}) =>
    execa(join(cwd === beforeRoot ? cwd : repoRoot, 'node_modules/.bin/nx'), [...args, '--output-style=static'], {
      cwd,
      env: { ...nxEnv, ...env },
      reject: false,
      all: true,
    });
  const inRepo = (args: string[], cwd = repoRoot) =>
    execa(node[0]!, [...(cwd === repoRoot ? node.slice(1) : [join(cwd, 'tools/cli/bin/homelab.js')]), ...args], {
      cwd,
      reject: false,
      all: true,
    });
  // What `validate` keeps between runs: `docker compose config` answers and the config tools' passes.
  const validateCaches = [cacheDir(repoRoot, 'compose-config'), cacheDir(repoRoot, 'config-tools')];
  const cold = () => {
    for (const dir of validateCaches) rmSync(dir, { recursive: true, force: true });
  };
  await ok(nx(empty, ['run', 'empty:noop']), 'nx run empty:noop');
  await ok(nx(repoRoot, ['run', 'static-site:deploy', '-c', 'lab']), 'nx run static-site:deploy');
  await ok(nx(repoRoot, ['run-many', '-t', 'deploy', '-c', 'lab']), 'nx run-many -t deploy');
  if (nxBefore) {
    await ok(nx(beforeRoot, ['run', 'static-site:deploy', '-c', 'lab']), 'nx run static-site:deploy (before)');
    await ok(nx(beforeRoot, ['run-many', '-t', 'deploy', '-c', 'lab']), 'nx run-many -t deploy (before)');
  }

  const graph = row('nx show projects (the project graph, daemon off)', 'the same in an empty Nx workspace');
  const isolated = row(
    'nx show projects with NX_ISOLATE_PLUGINS=true (a plugin worker per command: before)',
    'the same in an empty Nx workspace',
  );
  const trivial = row(
    'nx run static-site:validate, a cache hit (a trivial target)',
    'nx run empty:noop, a cache hit, in an empty Nx workspace',
  );
  const nxOne = row(
    'nx run static-site:deploy -c lab, nothing changed (validate cached)',
    'the empty workspace trivial target + 2 SSH round trips',
  );
  const nxOneCached = row(
    'the same with NODE_COMPILE_CACHE exported in the shell (Nx itself started from the cache too; a CI job can set it)',
    'the empty workspace trivial target + 2 SSH round trips',
  );
  const nxMany = row('nx run-many -t deploy -c lab, nothing changed (validate cached)', 'homelab deploy -i lab of the same set');
  const nxManyFloor = row(
    'nx run-many -t deploy -c lab, nothing changed (validate cached)',
    'the empty workspace trivial target + homelab deploy -i lab of the same set',
  );
  const nxManyBefore = row(
    'nx run-many -t deploy -c lab --batch=false, nothing changed (a homelab process per task: before)',
    'homelab deploy -i lab of the same set',
  );
  const nxWas = nxBefore && {
    one: row(
      'before: nx run static-site:deploy -c lab, nothing changed (validate cached)',
      'the empty workspace trivial target + 2 SSH round trips',
    ),
    many: row('before: nx run-many -t deploy -c lab, nothing changed (validate cached)', 'before: homelab deploy -i lab of the same set'),
  };
  const nxValidate = row(
    'nx run-many -t validate, cold (no Nx cache, no compose config or config tools cache)',
    'homelab validate -i production, the same services, cold',
  );
  for (let i = 0; i < runs; i++) {
    graph.ours.push(await time(() => ok(nx(repoRoot, ['show', 'projects']), 'nx show projects')));
    graph.ref.push(await time(() => ok(nx(empty, ['show', 'projects']), 'nx show projects (empty)')));
    isolated.ours.push(
      await time(() => ok(nx(repoRoot, ['show', 'projects'], { NX_ISOLATE_PLUGINS: 'true' }), 'nx show projects (isolated)')),
    );
    isolated.ref.push(graph.ref.at(-1)!);
    trivial.ours.push(await time(() => ok(nx(repoRoot, ['run', 'static-site:validate']), 'nx run static-site:validate')));
    trivial.ref.push(await time(() => ok(nx(empty, ['run', 'empty:noop']), 'nx run empty:noop')));
    nxOne.ours.push(await time(() => ok(nx(repoRoot, ['run', 'static-site:deploy', '-c', 'lab']), 'nx run static-site:deploy')));
    nxOne.ref.push(trivial.ref.at(-1)! + 2 * (await time(roundTrip)));
    nxOneCached.ours.push(
      await time(() =>
        ok(
          nx(repoRoot, ['run', 'static-site:deploy', '-c', 'lab'], { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') }),
          'nx run static-site:deploy (compile cache)',
        ),
      ),
    );
    nxOneCached.ref.push(nxOne.ref.at(-1)!);
    nxMany.ours.push(await time(() => ok(nx(repoRoot, ['run-many', '-t', 'deploy', '-c', 'lab']), 'nx run-many -t deploy')));
    nxMany.ref.push(await time(() => ok(inRepo(['deploy', '--inventory', 'lab']), 'homelab deploy -i lab')));
    nxManyFloor.ours.push(nxMany.ours.at(-1)!);
    nxManyFloor.ref.push(trivial.ref.at(-1)! + nxMany.ref.at(-1)!);
    if (nxWas) {
      nxWas.one.ours.push(
        await time(() => ok(nx(beforeRoot, ['run', 'static-site:deploy', '-c', 'lab']), 'nx run static-site:deploy (before)')),
      );
      nxWas.one.ref.push(nxOne.ref.at(-1)!);
      nxWas.many.ours.push(
        await time(() => ok(nx(beforeRoot, ['run-many', '-t', 'deploy', '-c', 'lab']), 'nx run-many -t deploy (before)')),
      );
      nxWas.many.ref.push(await time(() => ok(inRepo(['deploy', '--inventory', 'lab'], beforeRoot), 'homelab deploy -i lab (before)')));
    }
    nxManyBefore.ours.push(
      await time(() => ok(nx(repoRoot, ['run-many', '-t', 'deploy', '-c', 'lab', '--batch=false']), 'nx run-many -t deploy --batch=false')),
    );
    nxManyBefore.ref.push(nxMany.ref.at(-1)!);
    // Both validate the same services; a service that does not validate (a missing image in the
    // production inventory) fails both the same way, so both exit codes are kept, and must agree.
    cold();
    let nxExit: number | undefined;
    nxValidate.ours.push(
      await time(async () => {
        nxExit = (await nx(repoRoot, ['run-many', '-t', 'validate', '--skip-nx-cache'])).exitCode;
      }),
    );
    cold();
    let directExit: number | undefined;
    nxValidate.ref.push(
      await time(async () => {
        directExit = (await inRepo(['validate', '--inventory', 'production'])).exitCode;
      }),
    );
    if (nxExit !== directExit) throw new Error(`nx run-many -t validate exited ${nxExit}, homelab validate ${directExit}`);
    note(nxValidate, 'exit code', directExit ?? NaN);
    // The caches emptied for the cold rows hold the lab releases too: the deploy rows of the next run start
    // from them warm again, as a user's deploys do.
    await ok(inRepo(['validate', '--inventory', 'lab']), 'homelab validate -i lab (the caches warm again)');
  }

  console.log(`\nCLI benchmark (${runs} runs each, paired; medians and min-max; CLI: ${main})`);
  console.log('| job | homelab | reference | reference time | ratio | other figures (medians) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const notes = Object.entries(r.notes)
      .map(([k, v]) => `${k} ${median(v).toFixed(2)}`)
      .join(', ');
    console.log(
      `| ${r.job} | ${median(r.ours).toFixed(2)} s (${spread(r.ours)}) | ${r.reference} | ${median(r.ref).toFixed(2)} s (${spread(r.ref)}) | ${(median(r.ours) / median(r.ref)).toFixed(2)}x | ${notes} |`,
    );
  }
} finally {
  rmSync(empty, { recursive: true, force: true });
  await lab.cleanup();
}
