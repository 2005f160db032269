// npm run bench:backup — figures, no assertions: 1 GiB across three lab services backed up by
// `homelab backup run` (a first and an incremental backup) and brought back by `homelab restore`,
// each beside the same job done with the bare restic CLI on the same data in the same run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { labWorkspace } from '@homelab/lab/testing';
import { oceanPaths, writeFilesService } from '../testing/backup-lab.ts';
import { time } from './measure.ts';

const totalMiB = Number(process.env.BENCH_BACKUP_MIB ?? 1024);
const fmt = (s: number) => `${s.toFixed(1)} s`;

const lab = await labWorkspace();
try {
  const root = lab.inventory.hosts.ocean!.deployRoot;
  const names = [0, 1, 2].map((i) => `${lab.prefix}-b${i}`);
  mkdirSync(root, { recursive: true });
  const password = `${root}/bench-password`;
  writeFileSync(password, 'bench password\n', { mode: 0o600 });
  writeFileSync(
    join(lab.root, 'inventories/lab/inventory.yaml'),
    `${readFileSync(join(lab.root, 'inventories/lab/inventory.yaml'), 'utf8')}generateMissingSecrets: true\ngeneratedSecretsDir: ${lab.root}/.lab/secrets\nbackup:\n  textfileDir: ${root}/metrics\n  targets:\n    - name: local\n      repository: ${root}/restic-homelab\n`,
  );
  mkdirSync(join(lab.root, '.lab/secrets'), { recursive: true });
  writeFileSync(join(lab.root, '.lab/secrets/backup.json'), JSON.stringify({ RESTIC_PASSWORD: 'bench password' }), { mode: 0o600 });
  const { data } = oceanPaths(lab, root);
  for (const [i, name] of names.entries()) writeFilesService(lab, name, 19480 + i, name);
  const cli = async (args: string[]) => {
    const r = await lab.cli(args);
    if (r.exitCode !== 0) throw new Error(`homelab ${args.join(' ')} failed:\n${r.all}`);
  };
  await cli(['deploy', ...names]);

  // 1 GiB of incompressible data: per service four files.
  const perFile = Math.floor(totalMiB / names.length / 4);
  for (const name of names) {
    mkdirSync(`${data}/${name}`, { recursive: true });
    for (let f = 0; f < 4; f++) await execa('sh', ['-c', `head -c ${perFile}M /dev/urandom > ${data}/${name}/f${f}.bin`]);
  }
  const warm = () => execa('sh', ['-c', `cat ${data}/*/*.bin > /dev/null`]);
  const env = { ...process.env, RESTIC_PASSWORD_FILE: password, RESTIC_CACHE_DIR: `${root}/restic-cache` };
  const restic = (...args: string[]) => execa('restic', ['-r', `${root}/restic-bare`, ...args], { env });
  await restic('init');
  const bare = {
    backup: async () => {
      for (const name of names) await restic('backup', '--quiet', '--host', 'ocean', '--tag', `service:${name}`, `${data}/${name}`);
    },
    restore: async () => {
      for (const name of names)
        await restic('restore', 'latest', '--host', 'ocean', '--tag', `service:${name}`, '--target', `${root}/bare-restore/${name}`);
    },
  };
  const ours = {
    backup: () => cli(['backup', 'run', ...names]),
    restore: async () => {
      for (const name of names) await cli(['restore', name]);
    },
  };

  const rows: Array<[string, number, number]> = [];
  await warm();
  rows.push(['first backup', await time(ours.backup), await time(bare.backup)]);
  // About 5% changed: one file of each service rewritten in part.
  for (const name of names)
    await execa('sh', [
      '-c',
      `head -c ${Math.max(1, Math.floor(perFile / 1.25 / 4))}M /dev/urandom | dd of=${data}/${name}/f0.bin conv=notrunc status=none`,
    ]);
  await warm();
  rows.push(['incremental backup (~5% changed)', await time(ours.backup), await time(bare.backup)]);
  rows.push(['restore of the three services', await time(ours.restore), await time(bare.restore)]);

  const size = (await execa('du', ['-sm', data])).stdout.split('\t')[0];
  console.log(
    `\nBackup benchmark on lab host ocean: ${size} MiB across ${names.length} services, one local repository each side, restic ${(await execa('restic', ['version'])).stdout.split(' ')[1]}`,
  );
  console.log('| job | homelab | bare restic CLI | homelab / restic |');
  console.log('|---|---|---|---|');
  for (const [job, a, b] of rows) console.log(`| ${job} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)} |`);
  console.log(
    'homelab times are whole CLI runs over SSH: backup run opens the repository, copies, applies the retention (forget, and prune when it removed a snapshot) and writes the metrics; restore stages the snapshot, then under the host lock stops the service, puts the data in place, starts it and waits for its health test. The bare CLI only backs up (restic backup) and restores into a folder (restic restore).',
  );
} finally {
  await lab.cleanup();
}
