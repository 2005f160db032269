// The CLI's start, made cheap: the TypeScript of the CLI and of the libraries, and the npm packages they
// use, are bundled by esbuild into a few JavaScript files under node_modules/.cache/homelab/cli, one
// bundle per checkout, built again when any file that went into them changed (checked by size and
// modification time, about 150 files: a millisecond or two). Loading ~500 modules one by one and
// stripping their types costs about 0.2 s at every start; the bundle costs a few tens of milliseconds.
// The Nx plugin and its executor are bundled the same way (under .../nx-plugin): Nx loads the plugin in
// every command and the executor in every batch worker, ~50 ms each from the sources, ~5 from the bundle.
// Two hooks keep the rest as it was:
// a service.ts (loaded at run time, never bundled) that imports `@homelab/<lib>` gets the bundle's
// instance of that library (one module instance, as when everything ran from source), and its types are
// stripped once per content (cached by hash, same line and column numbers). Anything that fails here
// (no esbuild, a read-only folder, a syntax error the build reports) leaves the CLI to run from source,
// which then says what is wrong; HOMELAB_BUNDLE=0 always runs from source.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const manifestVersion = 3;

// Each bundle: its entries (name -> TypeScript file) and what else it watches. The CLI's also has an
// entry per library (its `exports`), which a service.ts loaded at run time is given (see hooks).
const bundles = {
  cli: { entries: { main: 'tools/cli/src/main.ts' }, libs: true },
  'nx-plugin': { entries: { plugin: 'tools/nx-plugin/src/index.ts', executor: 'tools/nx-plugin/src/executors/cli.ts' }, libs: false },
};

// Where the bundle and the stripped service.ts files live: the workspace's cache folder, as cacheDir() in
// libs/model/src/json-cache.ts names it (this file is plain JavaScript, run before any TypeScript loads).
function cacheRoot(root) {
  return join(root, 'node_modules', '.cache', 'homelab');
}

/** The folder of this checkout's bundle `name`: a copy of the workspace whose node_modules links to this
 * one's (the test helpers make such copies) shares the cache folder but not the sources. */
export function bundleDir(root, name = 'cli') {
  return join(cacheRoot(root), name, createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 12));
}

// Written whole and then renamed (as writeCached in json-cache.ts does): a process reading at the same
// time sees the old file or this one, never half of it.
function writeWhole(file, text) {
  const temp = `${file}.${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

// The files whose change means a new build: every bundled file outside node_modules (stamped just before
// esbuild reads it, so an edit during a build is seen by the next start), this file, the TypeScript
// configuration and the libraries' package.json files (esbuild and the entries read them), the libs
// folder itself (a library added), and npm's record of what node_modules holds (rewritten by every install).
function stamp(root, file) {
  try {
    const s = statSync(join(root, file));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function readManifest(dir) {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    return manifest.version === manifestVersion ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function fresh(root, dir, manifest) {
  if (!manifest || Object.values(manifest.entries).some((file) => !existsSync(join(dir, manifest.dir, file)))) return false;
  for (const [file, recorded] of manifest.inputs) if (stamp(root, file) !== recorded) return false;
  return true;
}

// Every file's `import.meta.url` stays its own (a bundle would otherwise give the bundle's): the CLI finds
// files beside its sources with it (its package.json, the affected snapshot worker). Each file's stamp is
// taken before it is read.
function ownUrl(root, stamps) {
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const file = relative(root, args.path);
        stamps.set(file, stamp(root, file));
        const source = readFileSync(args.path, 'utf8');
        return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}

async function build(root, dir, name) {
  const esbuild = await import('esbuild');
  const spec = bundles[name];
  const watched = [
    relative(root, fileURLToPath(import.meta.url)),
    'node_modules/.package-lock.json',
    'tsconfig.json',
    'tsconfig.base.json',
    ...(spec.libs ? ['libs'] : []),
  ];
  const stamps = new Map(watched.map((file) => [file, stamp(root, file)]));
  const libs = {};
  const entryPoints = Object.fromEntries(Object.entries(spec.entries).map(([entry, file]) => [entry, join(root, file)]));
  for (const lib of spec.libs ? readdirSync(join(root, 'libs')) : []) {
    const pkgFile = join('libs', lib, 'package.json');
    if (!existsSync(join(root, pkgFile))) continue;
    stamps.set(pkgFile, stamp(root, pkgFile));
    const pkg = JSON.parse(readFileSync(join(root, pkgFile), 'utf8'));
    const main = typeof pkg.exports === 'string' ? pkg.exports : pkg.exports?.['.'];
    if (!pkg.name || typeof main !== 'string') continue;
    entryPoints[`lib-${lib}`] = join(root, 'libs', lib, main);
    libs[pkg.name] = `lib-${lib}.js`;
  }
  const out = `build-${process.pid}-${Date.now().toString(36)}`;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outdir: join(dir, out),
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    // CommonJS packages inside the bundle may still call require().
    banner: { js: "import { createRequire as __homelabRequire } from 'node:module'; const require = __homelabRequire(import.meta.url);" },
    plugins: [ownUrl(root, stamps)],
  });
  for (const file of Object.keys(result.metafile.inputs))
    if (!file.startsWith('node_modules/') && !file.includes(':') && !stamps.has(file)) stamps.set(file, stamp(root, file));
  const entries = Object.fromEntries(Object.keys(entryPoints).map((entry) => [entry, `${entry}.js`]));
  const manifest = { version: manifestVersion, root, dir: out, entries, libs, inputs: [...stamps] };
  writeWhole(join(dir, 'manifest.json'), JSON.stringify(manifest));
  // (a process that finished its own build while this one was building marked this one replaced)
  rmSync(join(dir, out, '.replaced'), { force: true });
  removeOld(dir, out);
  return manifest;
}

// A build no longer named by the manifest goes an hour after it was replaced (a process that started
// from it may still load its lazily imported chunks: a long deploy, an Nx batch worker); the bundles of
// copies of the workspace that no longer exist go too.
export function removeOld(dir, keep) {
  const hour = 3_600_000;
  // (the manifest may name another build by now: a process that finished after this one)
  const current = readManifest(dir)?.dir;
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith('build-') || entry === keep || entry === current) continue;
    const path = join(dir, entry);
    const replaced = join(path, '.replaced');
    try {
      if (!existsSync(replaced)) writeFileSync(replaced, '');
      else if (Date.now() - statSync(replaced).mtimeMs > hour) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
  const checkouts = dirname(dir);
  for (const entry of readdirSync(checkouts)) {
    const other = join(checkouts, entry);
    const manifest = other === dir ? undefined : readManifest(other);
    try {
      if (manifest?.root && !existsSync(manifest.root) && Date.now() - statSync(join(other, 'manifest.json')).mtimeMs > hour)
        rmSync(other, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

// A service.ts (or a file it imports) outside node_modules, its types stripped once per content.
function stripped(url, cache) {
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  // (Node's version in the key: its stripping may change with it)
  const file = join(cache, `${createHash('sha256').update(process.version).update('\0').update(source).digest('hex').slice(0, 32)}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {}
  // Node says once that the function is experimental; the CLI's output is not the place for it.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  let js;
  try {
    js = module.stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
  try {
    mkdirSync(cache, { recursive: true });
    writeWhole(file, js);
  } catch {}
  return js;
}

function hooks(dir, manifest, root) {
  const libs = new Map(Object.entries(manifest.libs).map(([name, file]) => [name, pathToFileURL(join(dir, manifest.dir, file)).href]));
  const cache = join(cacheRoot(root), 'ts');
  module.registerHooks({
    resolve(specifier, context, next) {
      const lib = libs.get(specifier);
      return lib ? { url: lib, format: 'module', shortCircuit: true } : next(specifier, context);
    },
    load(url, context, next) {
      // (the workspace loads a service.ts with a `?mtime=` query, for a fresh import after a change)
      const path = url.startsWith('file:') ? url.replace(/[?#].*$/, '') : '';
      if (path.endsWith('.ts') && !path.includes('/node_modules/')) {
        try {
          return { format: 'module', source: stripped(url, cache), shortCircuit: true };
        } catch {
          // Node's own loader reports the file's error (file:line:col).
        }
      }
      return next(url, context);
    },
  });
}

// This checkout's bundle `name` as its manifest records it, and whether that is current; undefined when
// the sources must be used (HOMELAB_BUNDLE=0).
function recorded(root, name) {
  if (process.env.HOMELAB_BUNDLE === '0') return undefined;
  const dir = bundleDir(root, name);
  const manifest = readManifest(dir);
  return { dir, manifest, current: fresh(root, dir, manifest) };
}

const entryFile = ({ dir, manifest }, entry) => join(dir, manifest.dir, manifest.entries[entry]);

/**
 * This checkout's bundle `name`, built first when missing or stale; undefined when the sources must be
 * used (HOMELAB_BUNDLE=0, or the build failed: the reason goes to stderr with `debug`).
 */
async function bundled(root, name, debug) {
  const found = recorded(root, name);
  if (!found || found.current) return found;
  try {
    mkdirSync(found.dir, { recursive: true });
    return { dir: found.dir, manifest: await build(root, found.dir, name) };
  } catch (error) {
    if (debug) console.error(`homelab: running from source (the ${name} bundle could not be built: ${error.message})`);
    return undefined;
  }
}

/** The URL of `entry` of bundle `name` (building it first when missing or stale), or undefined. */
export async function bundledEntry(root, name, entry) {
  const b = await bundled(root, name, false);
  return b ? pathToFileURL(entryFile(b, entry)).href : undefined;
}

/** The file of `entry` of bundle `name` when it is there and current, without building it; else undefined. */
export function freshEntry(root, name, entry) {
  const found = recorded(root, name);
  return found?.current ? entryFile(found, entry) : undefined;
}

/**
 * The URL of the bundled CLI's main module, built first when missing or stale; undefined when the CLI
 * must run from source (HOMELAB_BUNDLE=0, no module hooks in this Node, or the build failed: the reason
 * goes to stderr with --debug).
 */
export async function bundledMain(root, debug) {
  if (typeof module.registerHooks !== 'function' || typeof module.stripTypeScriptTypes !== 'function') return undefined;
  const b = await bundled(root, 'cli', debug);
  if (!b) return undefined;
  hooks(b.dir, b.manifest, root);
  return pathToFileURL(entryFile(b, 'main')).href;
}
