// The whole workspace type-checks under TypeScript strict (no build step runs tsc otherwise).
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';

it('tsc --noEmit passes on every library, tool and package', async () => {
  const r = await execa(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'tsconfig.json')], {
    cwd: repoRoot,
    reject: false,
    all: true,
  });
  expect(r.all).toBe('');
  expect(r.exitCode).toBe(0);
}, 180_000);
