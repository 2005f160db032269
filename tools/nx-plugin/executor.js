// The entry executors.json names: the executor from the plugin's bundle when it is there and current
// (the plugin, loaded first in every Nx command, builds it), else from its TypeScript sources. Nx loads
// it in each batch worker with require(), so this entry is synchronous; from the sources Nx would first
// register its TypeScript resolution hooks and Node strip the types (~50 ms of the worker's start).
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshEntry } from '../cli/bin/bundle.js';

const require = module.createRequire(import.meta.url);
const fromBundle = () => {
  try {
    const file = freshEntry(join(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'nx-plugin', 'executor');
    return file ? require(file) : undefined;
  } catch {
    return undefined; // a bundle that cannot be loaded: the sources say what is wrong
  }
};
const executor = fromBundle() ?? require('./src/executors/cli.ts');
export default executor.default;
export const batch = executor.batch;
