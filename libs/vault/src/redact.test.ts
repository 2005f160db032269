// The output mask: every write after secrets are known is masked, also after the streams' writes were
// replaced under it (as the Nx batch worker does between two commands it runs in one process).
import { describe, expect, it } from 'vitest';
import { redactOutput } from './redact.ts';

describe('redactOutput', () => {
  it('masks every write, once per stream, and masks again after a write was put back under it', () => {
    const original = process.stdout.write;
    const seen: string[] = [];
    const capture = ((chunk: unknown) => {
      seen.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      process.stdout.write = capture;
      redactOutput(['hunter2-secret']);
      redactOutput(['other-secret']);
      process.stdout.write('first: hunter2-secret other-secret\n');
      // The end of one command: its streams are given back their writes (the mask goes with them) ...
      process.stdout.write = capture;
      // ... and the next command's secrets are known again: masked as well.
      redactOutput(['hunter2-secret']);
      process.stdout.write('second: hunter2-secret\n');
    } finally {
      process.stdout.write = original;
    }
    expect(seen.join('')).not.toContain('hunter2-secret');
    expect(seen.join('')).not.toContain('other-secret');
    expect(seen).toHaveLength(2);
  });
});
