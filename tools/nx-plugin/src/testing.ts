// A throw-away git repository made from this workspace's tracked files, for change-detection tests.
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { linkNodeModules } from '@homelab/model';
import { repoRoot } from '@homelab/model/testing';

export const gitEnv = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@lab',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@lab',
};

export interface ThrowawayRepo {
  root: string;
  git: (...args: string[]) => Promise<unknown>;
  commitAll: (message: string) => Promise<void>;
  nx: (...args: string[]) => ReturnType<typeof execa>;
}

export async function throwawayRepo(prepare: (root: string) => void = () => {}): Promise<ThrowawayRepo> {
  const root = mkdtempSync(join(tmpdir(), 'homelab-repo-'));
  const files = (await execa('git', ['ls-files'], { cwd: repoRoot })).stdout.split('\n').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(root, f));
    } catch {
      // tracked but deleted in the working tree
    }
  }
  // Its own @homelab/* packages: a change to a library in the clone is what the clone runs.
  linkNodeModules(root, repoRoot);
  prepare(root);
  const git = (...args: string[]) => execa('git', args, { cwd: root, env: gitEnv });
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
  const commitAll = async (message: string) => {
    await git('add', '-A');
    await git('commit', '-qm', message);
  };
  await commitAll('base');
  return {
    root,
    git,
    commitAll,
    nx: (...args: string[]) =>
      execa(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
        cwd: root,
        env: gitEnv,
        reject: false,
        all: true,
      }),
  };
}
