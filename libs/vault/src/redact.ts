// Every byte this process prints goes through the mask once secrets are known.
import { maskSecrets } from '@homelab/model';

const known = new Set<string>();
// Marks the mask on a stream's write, so that it is put back when something replaced it (the Nx batch
// worker runs several commands in one process and gives each its own streams' writes back at its end).
const masking = Symbol.for('homelab.redactOutput');

type Write = ((chunk: unknown, ...rest: unknown[]) => boolean) & { [masking]?: true };

// Adds values to mask and wraps process.stdout and process.stderr, unless their writes mask already.
export function redactOutput(values: Iterable<string>): void {
  for (const v of values) if (v.length >= 3) known.add(v);
  for (const stream of [process.stdout, process.stderr]) {
    if ((stream.write as Write)[masking]) continue;
    const write = stream.write.bind(stream) as Write;
    const masked: Write = (chunk, ...rest) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
      return write(typeof text === 'string' ? maskSecrets(text, known) : chunk, ...rest);
    };
    masked[masking] = true;
    stream.write = masked as typeof stream.write;
  }
}
