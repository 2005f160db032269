// VRAM a llama.cpp model server needs: weights + KV cache for the context + compute buffers.

export interface LlmVramInput {
  /** Size of the GGUF weights file, in MiB (all layers offloaded). */
  weightsMiB: number;
  layers: number;
  /** Key/value heads (grouped-query attention), not query heads. */
  kvHeads: number;
  headDim: number;
  /** Context length in tokens (--ctx-size). */
  context: number;
  /** Bytes per KV element: 2 for f16 (default), 1 for q8_0. */
  kvBytes?: number;
  /** Compute buffers and the CUDA context, in MiB. */
  overheadMiB?: number;
}

// K and V per layer per token: 2 x kvHeads x headDim x kvBytes.
export function kvCacheMiB(i: LlmVramInput): number {
  return Math.ceil((2 * i.layers * i.kvHeads * i.headDim * (i.kvBytes ?? 2) * i.context) / 1024 / 1024);
}

export function llmVramMiB(i: LlmVramInput): number {
  return i.weightsMiB + kvCacheMiB(i) + (i.overheadMiB ?? 1024);
}
