import { describe, expect, it } from 'vitest';
import type { HostFacts } from '@homelab/host';
import { host } from '@homelab/model/testing';
import { gpuMismatch } from './facts.ts';

const rtx3090 = {
  index: 0,
  uuid: 'GPU-5f6e7d8c-1111-2222-3333-444455556666',
  name: 'NVIDIA GeForce RTX 3090',
  memoryTotalMiB: 24576,
  memoryUsedMiB: 9,
  driverVersion: '550.120',
};
const facts = (over: Partial<HostFacts> = {}): HostFacts => ({
  docker: '27.3.1',
  dockerCli: { installed: true },
  compose: '2.29.7',
  systemd: true,
  gpus: [rtx3090],
  nvidiaSmi: { installed: true },
  freeDiskMiB: 1,
  ...over,
});
const ocean = host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } });

describe("facts: the inventory's GPU against nvidia-smi", () => {
  it('agrees, or says how they differ', () => {
    expect(gpuMismatch(ocean, facts())).toBeUndefined();
    expect(gpuMismatch(host('dns01'), facts({ gpus: [], nvidiaSmi: { installed: false } }))).toBeUndefined();
    expect(gpuMismatch(host('dns01'), facts())).toBe('inventory: no GPU; nvidia-smi: 1 GPU(s), 24576 MiB');
    expect(gpuMismatch(ocean, facts({ gpus: [{ ...rtx3090, memoryTotalMiB: 24268 }] }))).toBe(
      'inventory: 1 x RTX 3090 24576 MiB; nvidia-smi: 1 GPU(s), 24268 MiB',
    );
    expect(gpuMismatch(ocean, facts({ gpus: [rtx3090, { ...rtx3090, index: 1 }] }))).toBe(
      'inventory: 1 x RTX 3090 24576 MiB; nvidia-smi: 2 GPU(s), 49152 MiB',
    );
    expect(
      gpuMismatch(
        ocean,
        facts({ gpus: [], nvidiaSmi: { installed: true, error: 'nvidia-smi exited with code 9: NVIDIA-SMI has failed' } }),
      ),
    ).toBe('nvidia-smi exited with code 9: NVIDIA-SMI has failed');
  });
});
