// The workspace's caches of computed answers, one JSON file per key under node_modules/.cache/homelab:
// parsed YAML (load.ts), `docker compose config` runs (validate). A cache never decides anything: what
// cannot be read is computed again, and what cannot be written costs only time.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder of one cache of the workspace at `root`. */
export function cacheDir(root: string, name: string): string {
  return join(root, 'node_modules', '.cache', 'homelab', name);
}

/** The value kept in `file`, or undefined when there is none (or it cannot be read). */
export function readCached<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

// Written whole or not at all (a rename), so a reader never sees half a file. Only into a workspace whose
// packages are installed: a folder without node_modules (a test's made-up root) gets no cache created in it.
export function writeCached(file: string, value: unknown): void {
  const modules = file.lastIndexOf('/node_modules/');
  if (modules < 0 || !existsSync(file.slice(0, modules + '/node_modules'.length))) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(value));
    renameSync(partial, file);
  } catch {
    // read-only checkout: computed again next time
  }
}
