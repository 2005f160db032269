// The exact set of services whose release changes between two revisions, computed offline: each
// revision is extracted (git archive) beside this checkout's installed packages, read by its own
// code in its own process, and the two sets of release fingerprints are compared.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor } from '@homelab/host';
import { ConfigError, linkNodeModules } from '@homelab/model';
import { compareSnapshots, type AffectedSet, type RevisionSnapshot, type SameSecret } from '@homelab/render';
import { decryptText, type VaultSecret } from '@homelab/vault';

export interface AffectedResult extends AffectedSet {
  base: { rev: string; sha: string };
  head: { rev: string; sha: string };
}

const worker = new URL('./snapshot-worker.ts', import.meta.url).pathname;

// The revision's files in `dir`, with a node_modules whose @homelab/* packages are the revision's own.
async function extract(git: LocalExecutor, root: string, sha: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await git.run(['git', 'archive', '--format=tar', '-o', `${dir}.tar`, sha], { display: `git archive ${sha}` });
  await git.run(['tar', '-xf', `${dir}.tar`, '-C', dir]);
  rmSync(`${dir}.tar`);
  linkNodeModules(dir, root);
}

async function snapshot(dir: string, inventory: string, rev: string): Promise<RevisionSnapshot> {
  const out = `${dir}.json`;
  const node = new LocalExecutor({
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', HOME: process.env.HOME ?? '/root' },
  });
  const run = await node.run([process.execPath, worker, dir, inventory, out], { allowFailure: true, display: `read revision ${rev}` });
  const lines = run.stderr.trim().split('\n');
  const why = lines.find((l) => /\bError\b/.test(l)) ?? lines.slice(-3).join(' ');
  if (!existsSync(out))
    throw new ConfigError([
      {
        file: rev,
        path: '',
        message: `reading its services failed (exit ${run.exitCode}): ${why.trim()}`,
        hint: 'a service.ts that ends the process or throws at import time is the usual cause',
      },
    ]);
  const read = JSON.parse(readFileSync(out, 'utf8')) as RevisionSnapshot | { error: string };
  if ('error' in read) throw new ConfigError([{ file: rev, path: '', message: read.error, hint: 'fix the inventory at that revision' }]);
  return read;
}

// Secrets: equal stored forms are equal values; different ones are decrypted when a password is given.
export function secretComparer(vault: VaultSecret[] | undefined): SameSecret {
  return (service, name, a, b) => {
    if (!vault?.length) return undefined;
    try {
      const open = (text: string) =>
        text.startsWith('clear:')
          ? Buffer.from(text.slice(6))
          : decryptText(text, vault, `packages/${service}/secrets.vault.yaml (${name})`).plaintext;
      return open(a).equals(open(b));
    } catch {
      return undefined;
    }
  };
}

// The services of `inventory` whose release differs between `base` and `head` (any git revisions).
export async function affectedBetween(
  root: string,
  base: string,
  head: string,
  inventory: string,
  vault?: VaultSecret[],
): Promise<AffectedResult> {
  const git = new LocalExecutor({ cwd: root, env: process.env as Record<string, string> });
  const resolve = async (rev: string) => {
    const r = await git.run(['git', 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { allowFailure: true });
    if (r.exitCode !== 0)
      throw new ConfigError([
        {
          file: 'git',
          path: rev,
          message: `"${rev}" is not a commit of this repository`,
          hint: 'pass --base and --head as commits, branches or tags (fetch the history in CI: fetch-depth: 0)',
        },
      ]);
    return r.stdout.trim();
  };
  const [baseSha, headSha] = [await resolve(base), await resolve(head)];
  const work = mkdtempSync(join(tmpdir(), 'homelab-affected-'));
  try {
    await Promise.all([extract(git, root, baseSha, join(work, 'base')), extract(git, root, headSha, join(work, 'head'))]);
    // A base that cannot be read (a broken inventory, a revision before this tool) makes every service new;
    // a head that cannot be read is an error.
    const [a, b] = await Promise.all([
      snapshot(join(work, 'base'), inventory, base).catch(
        (error: Error): RevisionSnapshot => ({ inventory, releases: {}, notDeployed: {}, broken: {}, unreadable: error.message }),
      ),
      snapshot(join(work, 'head'), inventory, head),
    ]);
    return { base: { rev: base, sha: baseSha }, head: { rev: head, sha: headSha }, ...compareSnapshots(a, b, secretComparer(vault)) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
