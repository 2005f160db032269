import { defineService } from '@homelab/model';

// Qwen3-14B Q4_K_M: about 8.4 GiB of weights fully offloaded; a 40,960-token f16 KV cache
// (40 layers x 8 KV heads x 128 dims x 2 (K and V) x 2 bytes = 160 KiB a token) about 6.3 GiB;
// plus compute buffers and the CUDA context.
export default defineService({
  description: 'llama.cpp server: OpenAI-compatible LLM API with Qwen3-14B, 40K context, full GPU offload',
  host: 'ocean',
  category: 'ai',
  exposure: { port: 8080, internalUrl: 'http://192.168.1.143:8080', access: 'none' },
  gpu: { vramMiB: 16896 },
  health: {
    // /health answers 503 "Loading model" until the model is in VRAM, then {"status":"ok"}.
    probes: [{ type: 'http', port: 8080, path: '/health', expectJson: { status: 'ok' } }],
    timeoutSeconds: 600,
    intervalSeconds: 2,
  },
});
