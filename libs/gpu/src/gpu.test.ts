import { describe, expect, it } from 'vitest';
import { host } from '@homelab/model/testing';
import { gpuComposeFragment, plexLdLibraryPath } from './reservation.ts';
import { parseNvidiaSmi } from './nvidia-smi.ts';
import { GpuPreflightError, NvidiaSmiParseError } from './errors.ts';
import { vramBudget, vramBudgetIssues } from './budget.ts';
import { kvCacheMiB, llmVramMiB } from './llm.ts';
import { gpuPreflight, type GpuHostFacts } from './preflight.ts';
import { compareGpus } from './compare.ts';

describe('gpu', () => {
  it('reserves all GPUs or some by index/UUID, with the runtime variables and the Plex fix', () => {
    expect(gpuComposeFragment({ vramMiB: 1, devices: 'all', capabilities: ['compute', 'video'], ldLibraryPathFix: true })).toEqual({
      devices: [{ driver: 'nvidia', capabilities: ['gpu', 'compute', 'video'], count: 'all' }],
      environment: { NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_DRIVER_CAPABILITIES: 'compute,video', LD_LIBRARY_PATH: plexLdLibraryPath },
    });
    expect(
      gpuComposeFragment({ vramMiB: 1, devices: [0, 'GPU-abc'], capabilities: ['compute'], ldLibraryPathFix: false }).devices[0],
    ).toEqual({ driver: 'nvidia', capabilities: ['gpu', 'compute'], device_ids: ['0', 'GPU-abc'] });
  });

  it('parses nvidia-smi CSV, including [N/A] memory, and rejects other output', () => {
    const out =
      '0, GPU-5f6e7d8c-1111-2222-3333-444455556666, NVIDIA GeForce RTX 3090, 24576, 13002, 550.120\n1, GPU-aaaaaaaa-1111-2222-3333-444455556666, NVIDIA A100-SXM4-40GB, [N/A], [N/A], 550.120\n';
    expect(parseNvidiaSmi(out)).toEqual([
      {
        index: 0,
        uuid: 'GPU-5f6e7d8c-1111-2222-3333-444455556666',
        name: 'NVIDIA GeForce RTX 3090',
        memoryTotalMiB: 24576,
        memoryUsedMiB: 13002,
        driverVersion: '550.120',
      },
      {
        index: 1,
        uuid: 'GPU-aaaaaaaa-1111-2222-3333-444455556666',
        name: 'NVIDIA A100-SXM4-40GB',
        memoryTotalMiB: 0,
        memoryUsedMiB: 0,
        driverVersion: '550.120',
      },
    ]);
    expect(() => parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.', 'ocean')).toThrow(
      NvidiaSmiParseError,
    );
  });

  it('fails the VRAM budget with the per-service breakdown', () => {
    const ocean = host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } });
    const budget = vramBudget(ocean, [
      { service: 'llama-cpp', vramMiB: 16000, file: 'a' },
      { service: 'comfyui', vramMiB: 9000, file: 'b' },
    ]);
    expect(budget.demandMiB).toBe(25000);
    expect(vramBudgetIssues(budget, 'inventories/production/ocean/host.yaml')[0]?.message).toBe(
      'GPU services on ocean need 25000 MiB of VRAM but it has 24576 MiB (llama-cpp 16000 MiB, comfyui 9000 MiB)',
    );
    expect(vramBudgetIssues(vramBudget(ocean, [{ service: 'plex', vramMiB: 1536, file: 'c' }]), 'x')).toEqual([]);
  });

  it('estimates a llama.cpp server: Qwen3-14B at 40K context', () => {
    const qwen = { weightsMiB: 8602, layers: 40, kvHeads: 8, headDim: 128, context: 40960 };
    expect(kvCacheMiB(qwen)).toBe(6400);
    expect(llmVramMiB(qwen)).toBe(8602 + 6400 + 1024);
  });

  describe("preflight: the host's real GPUs before a GPU service is deployed", () => {
    const ocean = host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 }, file: 'inventories/production/ocean/host.yaml' });
    const rtx3090 = {
      index: 0,
      uuid: 'GPU-5f6e7d8c-1111-2222-3333-444455556666',
      name: 'NVIDIA GeForce RTX 3090',
      memoryTotalMiB: 24576,
      memoryUsedMiB: 1,
      driverVersion: '550.120',
    };
    const llama = {
      vramMiB: 16026,
      devices: 'all' as const,
      capabilities: ['compute' as const, 'utility' as const],
      ldLibraryPathFix: false,
    };
    const facts = (over: Partial<GpuHostFacts> = {}): GpuHostFacts => ({ gpus: [rtx3090], nvidiaSmi: { installed: true }, ...over });

    it('passes when the GPUs are there, as named, as large as the inventory says', () => {
      expect(gpuPreflight('llama-cpp', llama, ocean, facts())).toBeUndefined();
      expect(gpuPreflight('llama-cpp', { ...llama, devices: [0] }, ocean, facts())).toBeUndefined();
      expect(gpuPreflight('llama-cpp', { ...llama, devices: [rtx3090.uuid] }, ocean, facts())).toBeUndefined();
    });

    it('refuses, naming host, service and a fix: no driver, a failing driver, no GPU, an unknown device, less VRAM than declared', () => {
      const no = gpuPreflight('llama-cpp', llama, ocean, facts({ gpus: [], nvidiaSmi: { installed: false } }));
      expect(no).toBeInstanceOf(GpuPreflightError);
      expect(no?.message).toMatch(
        /^llama-cpp on ocean: needs an NVIDIA GPU, but the host has no nvidia-smi\n {2}fix: install the NVIDIA driver/,
      );
      expect(
        gpuPreflight(
          'llama-cpp',
          llama,
          ocean,
          facts({ gpus: [], nvidiaSmi: { installed: true, error: 'nvidia-smi exited with code 9: NVIDIA-SMI has failed' } }),
        )?.message,
      ).toMatch(/needs an NVIDIA GPU, but nvidia-smi exited with code 9: NVIDIA-SMI has failed\n {2}fix: run nvidia-smi on the host/);
      expect(gpuPreflight('llama-cpp', llama, ocean, facts({ gpus: [] }))?.message).toMatch(/nvidia-smi lists none/);
      expect(gpuPreflight('llama-cpp', { ...llama, devices: [1, 'GPU-0000'] }, ocean, facts())?.message).toBe(
        'llama-cpp on ocean: asks for GPU 1, GPU-0000, which nvidia-smi does not list (it lists 0 GPU-5f6e7d8c-1111-2222-3333-444455556666 NVIDIA GeForce RTX 3090 24576 MiB)\n  fix: set gpu.devices in packages/llama-cpp/service.ts to an index or UUID that nvidia-smi lists, or to "all"',
      );
      const small = gpuPreflight(
        'llama-cpp',
        llama,
        ocean,
        facts({ gpus: [{ ...rtx3090, name: 'NVIDIA GeForce RTX 3060', memoryTotalMiB: 12288 }] }),
      );
      expect(small?.message).toMatch(
        /the inventory gives ocean 24576 MiB of VRAM, but nvidia-smi reports 12288 MiB .*\n {2}fix: set gpu.vramMiB \(and count\) in inventories\/production\/ocean\/host.yaml to nvidia-smi's memory.total/,
      );
    });
  });
});

describe('the one comparison of declared and reported GPUs', () => {
  const card = { index: 0, uuid: 'GPU-1', name: 'RTX 3090', memoryTotalMiB: 24576, memoryUsedMiB: 0, driverVersion: '550' };
  const declared = host('ocean', { gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } });
  it('matches, short (less memory than declared) or more (more memory, more cards, or undeclared ones)', () => {
    expect(compareGpus(declared, [card]).verdict).toBe('matches');
    expect(compareGpus(declared, [{ ...card, memoryTotalMiB: 24268 }])).toMatchObject({
      verdict: 'short',
      declaredMiB: 24576,
      reportedMiB: 24268,
    });
    expect(compareGpus(declared, []).verdict).toBe('short');
    expect(compareGpus(declared, [card, { ...card, index: 1 }]).verdict).toBe('more');
    expect(compareGpus(host('dns01'), [card]).verdict).toBe('more');
    expect(compareGpus(host('dns01'), []).verdict).toBe('matches');
  });
});
