// The GPU library against a real NVIDIA driver: runs where nvidia-smi is installed (a GPU host, or
// the device machine: `npm run check:gpu`), and is skipped elsewhere. The parse is checked against
// nvidia-smi's other outputs (-L, and the CSV with units), so a misread column cannot pass.
// HOMELAB_RECORD_DIR=<dir> also writes the raw outputs there, to keep as recorded fixtures.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuPreflight, nvidiaSmiQuery, parseNvidiaSmi } from '@homelab/gpu';
import { factsScript, LocalExecutor, parseFacts } from '@homelab/host';
import { host } from '@homelab/model/testing';

const installed = spawnSync('sh', ['-c', 'command -v nvidia-smi'], { encoding: 'utf8' }).status === 0;
const smi = (...args: string[]) => execFileSync('nvidia-smi', args, { encoding: 'utf8' });

function record(name: string, text: string): void {
  const dir = process.env.HOMELAB_RECORD_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
}

describe.runIf(installed)('the GPU library on a real NVIDIA driver', () => {
  it('parses the query the host facts use, and agrees with nvidia-smi -L and the CSV with units', () => {
    const raw = smi(...nvidiaSmiQuery);
    record('nvidia-smi-query.csv', raw);
    const gpus = parseNvidiaSmi(raw, 'device');
    expect(gpus.length).toBeGreaterThan(0);
    expect(gpus.map((g) => g.index)).toEqual(gpus.map((_, i) => i));

    const list = smi('-L');
    record('nvidia-smi-L.txt', list);
    const listed = [...list.matchAll(/^GPU (\d+): (.+?) \(UUID: (GPU-[0-9a-f-]+)\)$/gm)].map((m) => ({
      index: Number(m[1]),
      name: m[2],
      uuid: m[3],
    }));
    expect(gpus.map((g) => ({ index: g.index, name: g.name, uuid: g.uuid }))).toEqual(listed);

    const withUnits = smi('--query-gpu=memory.total,driver_version', '--format=csv,noheader');
    record('nvidia-smi-units.csv', withUnits);
    const totals = withUnits
      .trim()
      .split('\n')
      .map((l) => l.split(',').map((c) => c.trim()));
    for (const [i, g] of gpus.entries()) {
      expect(`${g.memoryTotalMiB} MiB`).toBe(totals[i]![0]);
      expect(g.driverVersion).toBe(totals[i]![1]);
      expect(g.driverVersion).toMatch(/^\d+\.\d+(\.\d+)?$/);
      expect(g.memoryUsedMiB).toBeLessThanOrEqual(g.memoryTotalMiB);
    }
  });

  it('host facts read the same GPUs through the facts script, and the preflight holds the inventory to them', async () => {
    const local = new LocalExecutor({ env: process.env as Record<string, string> });
    const facts = parseFacts((await local.sh(factsScript('/tmp'))).stdout, 'device');
    expect(facts.nvidiaSmi).toEqual({ installed: true });
    const direct = parseNvidiaSmi(smi(...nvidiaSmiQuery), 'device');
    expect(facts.gpus.map(({ memoryUsedMiB: _, ...g }) => g)).toEqual(direct.map(({ memoryUsedMiB: _, ...g }) => g));

    const first = facts.gpus[0]!;
    const gpu = { vramMiB: 1024, devices: [first.uuid], capabilities: ['compute' as const, 'utility' as const], ldLibraryPathFix: false };
    const asDeclared = host('device', { gpu: { model: first.name, vramMiB: first.memoryTotalMiB, count: 1 } });
    expect(gpuPreflight('llama-cpp', gpu, asDeclared, facts)).toBeUndefined();
    const overstated = host('device', { gpu: { model: first.name, vramMiB: first.memoryTotalMiB * facts.gpus.length + 1, count: 1 } });
    expect(gpuPreflight('llama-cpp', { ...gpu, devices: 'all' }, overstated, facts)?.message).toMatch(/nvidia-smi reports/);
  });
});
