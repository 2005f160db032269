#!/usr/bin/env node
// `npx homelab ...`: runs the TypeScript CLI in this process (no build step, no second process between
// the terminal and the CLI, so Ctrl-C and exit codes reach it directly). Node 22.18 and newer strip the
// types themselves (the code is written for it: erasable syntax only, type-only imports marked); tsx's
// loader is the fallback for an older Node 22, and costs about half a second of CPU at every start.
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `✖ homelab needs Node.js 22 or newer; this is ${process.version}.\n  fix: run \`npm install\` in the repository (it puts Node 22 in node_modules/.bin) and call it as \`npx homelab\`, or install Node 22 LTS`,
  );
  process.exit(1);
}
// `homelab ... | head`: the reader went away; stop quietly, as other command-line tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
// V8's code cache for the CLI's modules, kept between runs (in the system's temporary folder).
module.enableCompileCache?.();
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const debug = args.includes('--debug');
// The bundled CLI (bundle.js says how it stays current), or the TypeScript sources themselves.
const bundled = await (await import('./bundle.js')).bundledMain(join(here, '..', '..', '..'), debug);
// Stack traces (--debug) name the TypeScript files and lines, not the bundle's.
if (bundled && debug) process.setSourceMapsEnabled(true);
const fromSource = async () => {
  if (!process.features.typescript) (await import('tsx/esm/api')).register();
  return import(pathToFileURL(join(here, '..', 'src', 'main.ts')).href);
};
let cli;
if (!bundled) cli = await fromSource();
else
  try {
    cli = await import(bundled);
  } catch (error) {
    // A bundle that cannot be loaded (removed under this process, damaged): the sources say what is wrong.
    if (debug) console.error(`homelab: running from source (the bundle could not be loaded: ${error.message})`);
    cli = await fromSource();
  }
process.exitCode = await cli.main(args);
