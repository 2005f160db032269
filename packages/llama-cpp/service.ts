import { llmVramMiB } from '@homelab/gpu';
import { defineService } from '@homelab/model';

// Qwen3-14B, Q4_K_M GGUF (8.4 GiB), 40 layers, 8 KV heads of 128 dims, 40,960-token f16 KV cache.
const vramMiB = llmVramMiB({ weightsMiB: 8602, layers: 40, kvHeads: 8, headDim: 128, context: 40960 });

export default defineService({
  description: 'llama.cpp server: OpenAI-compatible LLM API with Qwen3-14B, 40K context, full GPU offload',
  host: 'ocean',
  category: 'ai',
  exposure: { port: 8080, access: 'none' },
  gpu: { vramMiB },
  health: {
    // /health answers 503 "Loading model" until the model is in VRAM, then {"status":"ok"}.
    probes: [{ type: 'http', port: 8080, path: '/health', expectJson: { status: 'ok' } }],
    timeoutSeconds: 600,
    intervalSeconds: 2,
  },
});
