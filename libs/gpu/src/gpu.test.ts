import { describe, expect, it } from 'vitest';
import { host } from '@homelab/model/testing';
import { gpuComposeFragment, plexLdLibraryPath } from './reservation.ts';
import { parseNvidiaSmi, NvidiaSmiParseError } from './nvidia-smi.ts';
import { vramBudget, vramBudgetIssues } from './budget.ts';
import { kvCacheMiB, llmVramMiB } from './llm.ts';

describe('gpu', () => {
  it('reserves all GPUs or some by index/UUID, with the runtime variables and the Plex fix', () => {
    expect(gpuComposeFragment({ vramMiB: 1, devices: 'all', capabilities: ['compute', 'video'], ldLibraryPathFix: true })).toEqual({
      devices: [{ driver: 'nvidia', capabilities: ['gpu', 'compute', 'video'], count: 'all' }],
      environment: { NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_DRIVER_CAPABILITIES: 'compute,video', LD_LIBRARY_PATH: plexLdLibraryPath },
    });
    expect(gpuComposeFragment({ vramMiB: 1, devices: [0, 'GPU-abc'], capabilities: ['compute'], ldLibraryPathFix: false }).devices[0]).toEqual({ driver: 'nvidia', capabilities: ['gpu', 'compute'], device_ids: ['0', 'GPU-abc'] });
  });

  it('parses nvidia-smi CSV, including [N/A] memory, and rejects other output', () => {
    const out = '0, GPU-5f6e7d8c-1111-2222-3333-444455556666, NVIDIA GeForce RTX 3090, 24576, 13002, 550.120\n1, GPU-aaaaaaaa-1111-2222-3333-444455556666, NVIDIA A100-SXM4-40GB, [N/A], [N/A], 550.120\n';
    expect(parseNvidiaSmi(out)).toEqual([
      { index: 0, uuid: 'GPU-5f6e7d8c-1111-2222-3333-444455556666', name: 'NVIDIA GeForce RTX 3090', memoryTotalMiB: 24576, memoryUsedMiB: 13002, driverVersion: '550.120' },
      { index: 1, uuid: 'GPU-aaaaaaaa-1111-2222-3333-444455556666', name: 'NVIDIA A100-SXM4-40GB', memoryTotalMiB: 0, memoryUsedMiB: 0, driverVersion: '550.120' },
    ]);
    expect(() => parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.', 'ocean')).toThrow(NvidiaSmiParseError);
  });

  it('fails the VRAM budget with the per-service breakdown', () => {
    const ocean = host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } });
    const budget = vramBudget(ocean, [{ service: 'llama-cpp', vramMiB: 16000, file: 'a' }, { service: 'comfyui', vramMiB: 9000, file: 'b' }]);
    expect(budget.demandMiB).toBe(25000);
    expect(vramBudgetIssues(budget, 'inventories/production/ocean/host.yaml')[0]?.message).toBe('GPU services on ocean need 25000 MiB of VRAM but it has 24576 MiB (llama-cpp 16000 MiB, comfyui 9000 MiB)');
    expect(vramBudgetIssues(vramBudget(ocean, [{ service: 'plex', vramMiB: 1536, file: 'c' }]), 'x')).toEqual([]);
  });

  it('estimates a llama.cpp server: Qwen3-14B at 40K context', () => {
    const qwen = { weightsMiB: 8602, layers: 40, kvHeads: 8, headDim: 128, context: 40960 };
    expect(kvCacheMiB(qwen)).toBe(6400);
    expect(llmVramMiB(qwen)).toBe(8602 + 6400 + 1024);
  });
});
