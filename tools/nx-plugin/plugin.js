// The entry nx.json names. Nx loads a plugin given as a .ts file through its TypeScript machinery (it
// looks for swc and ts-node, and reads the workspace's tsconfig with the TypeScript compiler: ~70 ms
// of every Nx command here); from a .js entry, Node imports the plugin and strips its types itself.
export * from './src/index.ts';
