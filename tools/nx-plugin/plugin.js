// The entry nx.json names: the plugin from its bundle (tools/cli/bin/bundle.js builds it and keeps it
// current, as it does the CLI's), else from its TypeScript sources (HOMELAB_BUNDLE=0, a build that
// failed). Nx loads the plugin in every command: Node strips the types of the sources in ~50 ms, the
// bundle loads in ~5. (A .js entry either way: given a .ts file, Nx loads it through its own TypeScript
// machinery, which looks for swc and ts-node and reads the tsconfig with the compiler: ~70 ms more.)
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledEntry } from '../cli/bin/bundle.js';

// V8's code cache for the rest of this Nx process, in the folder the workspace's .env names
// (NODE_COMPILE_CACHE, which Nx read into the environment before it loaded this plugin; Node itself only
// looks at it when a process starts, so without this only the processes Nx starts would use it). What Nx
// loads after its plugins is the larger part of a task run's start: its task runner and, to resolve this
// workspace's executor, the TypeScript compiler (~0.2 s to compile, ~0.09 s from the cache here).
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for Node.
if (process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE && !module.getCompileCacheDir?.())
  module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE);

const fromBundle = async () => {
  try {
    const url = await bundledEntry(join(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'nx-plugin', 'plugin');
    return url ? await import(url) : undefined;
  } catch {
    return undefined; // a bundle that cannot be loaded: the sources say what is wrong
  }
};
const plugin = (await fromBundle()) ?? (await import('./src/index.ts'));
export const { createNodesV2, createDependencies, hostProjectName, inventoryProjectName } = plugin;
