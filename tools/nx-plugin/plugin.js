// The entry nx.json names. Nx loads a plugin given as a .ts file through its TypeScript machinery (it
// looks for swc and ts-node, and reads the workspace's tsconfig with the TypeScript compiler: ~70 ms
// of every Nx command here); from a .js entry, Node imports the plugin and strips its types itself.
import module from 'node:module';

// V8's code cache for the rest of this Nx process, in the folder the workspace's .env names
// (NODE_COMPILE_CACHE, which Nx read into the environment before it loaded this plugin; Node itself only
// looks at it when a process starts, so without this only the processes Nx starts would use it). What Nx
// loads after its plugins is the larger part of a task run's start: its task runner and, to resolve this
// workspace's executor, the TypeScript compiler (~0.2 s to compile, ~0.09 s from the cache here).
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for Node.
if (process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE && !module.getCompileCacheDir?.())
  module.enableCompileCache?.(process.env.NODE_COMPILE_CACHE);

export * from './src/index.ts';
