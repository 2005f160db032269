// Every byte this process prints goes through the mask once secrets are known.
import { maskSecrets } from '@homelab/model';

const known = new Set<string>();
let installed = false;

// Adds values to mask and, the first time, wraps process.stdout and process.stderr.
export function redactOutput(values: Iterable<string>): void {
  for (const v of values) if (v.length >= 3) known.add(v);
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : chunk;
      return write(typeof text === 'string' ? maskSecrets(text, known) : chunk, ...rest);
    }) as typeof stream.write;
  }
}
