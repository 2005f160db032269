// Reads services and inventories from the workspace on disk; every problem names its file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { composeSchema, type ComposeFile } from './compose.ts';
import { isServiceDefinition, type GeneratedFiles } from './define-service.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { cacheDir, readCached, writeCached } from './json-cache.ts';
import { hostSchema, inventorySchema, type HostSpec, type Inventory } from './inventory-schema.ts';
import { normalizeHost, normalizeInventory } from './normalize-inventory.ts';
import { parseWith } from './parse.ts';
import { normalizeService, serviceSchema, type ServiceSpec } from './service-schema.ts';

export interface LoadedService {
  name: string;
  /** Absolute path of packages/<name>. */
  dir: string;
  spec: ServiceSpec;
  compose: ComposeFile;
  composeText: string;
  version: string;
  /** Absolute path of secrets.vault.yaml, when the service has one. */
  secretsFile: string | undefined;
  /** Configuration files under packages/<name>/files/, shipped in each release as ./files/<path>. */
  configFiles: Record<string, string>;
  files: { service: string; compose: string };
  /** Files made from the catalog (service.ts `generated`); applyCatalog merges them into configFiles. */
  generated?: GeneratedFiles;
  /** After applyCatalog: the paths of configFiles that were generated (not hand-written). */
  generatedPaths?: string[];
}

// Walks up from `start` to the directory holding nx.json.
export function findWorkspaceRoot(start = process.cwd()): string {
  let dir = start;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new ConfigError([
        { file: start, path: '', message: 'not inside the homelab workspace (no nx.json above)', hint: 'run from the repository' },
      ]);
    dir = parent;
  }
  return dir;
}

// Names of every service package: packages/*/service.ts.
export function listServices(root: string): string[] {
  const dir = join(root, 'packages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'service.ts')))
    .sort();
}

// Parses a YAML file into a plain value; syntax errors become issues with line numbers. With a cache
// folder, a file parsed before (the same bytes) is read back from its JSON there: every command loads
// every service's compose.yaml, and the YAML parser is about a tenth of a no-op deploy's CPU.
export function readYaml(file: string, display: string, cacheDir?: string): { value: unknown; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { value: undefined, issues: [{ file: display, path: '', message: 'file is missing or unreadable', hint: `create ${display}` }] };
  }
  const cached = cacheDir ? join(cacheDir, `${createHash('sha256').update(yamlCacheVersion).update(text).digest('hex')}.json`) : undefined;
  const hit = cached ? readCached<unknown>(cached) : undefined;
  if (hit !== undefined) return { value: hit, issues: [] };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      value: undefined,
      issues: doc.errors.map((e) => ({
        file: display,
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
        hint: 'fix the YAML syntax at the line shown',
      })),
    };
  }
  const value: unknown = doc.toJS();
  if (cached && jsonSafe(value)) writeCached(cached, value);
  return { value, issues: [] };
}

const yamlCacheVersion = 'yaml-1';

// Whether JSON gives the value back as it is (YAML's .inf and .nan do not survive it, nor a date).
function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(jsonSafe);
  return false;
}

/** Where a workspace keeps parsed YAML (see readYaml). */
export function yamlCache(root: string): string {
  return cacheDir(root, 'yaml');
}

// A service.ts runs code when it is imported: it may not end the process (every command would then
// exit 0 without a word); a call to process.exit fails that service's load instead.
async function importGuarded(url: string): Promise<unknown> {
  const exit = process.exit;
  process.exit = ((code?: number) => {
    throw new Error(`it called process.exit(${code ?? ''})`);
  }) as typeof process.exit;
  try {
    return await import(url);
  } finally {
    process.exit = exit;
  }
}

// Loads packages/<name>: service.ts (through a fresh import), compose.yaml and the package version.
export async function loadService(root: string, name: string): Promise<LoadedService> {
  const dir = join(root, 'packages', name);
  const serviceFile = join(dir, 'service.ts');
  const composeFile = join(dir, 'compose.yaml');
  const rel = (p: string) => relative(root, p);
  const issues: ConfigIssue[] = [];
  if (!existsSync(serviceFile))
    throw new ConfigError([
      { file: rel(serviceFile), path: '', message: `no service named "${name}"`, hint: `one of: ${listServices(root).join(', ')}` },
    ]);

  let spec: ServiceSpec | undefined;
  let generated: GeneratedFiles | undefined;
  try {
    const url = `${pathToFileURL(serviceFile).href}?mtime=${statSync(serviceFile).mtimeMs}`;
    const mod = (await importGuarded(url)) as { default?: unknown };
    if (!isServiceDefinition(mod.default)) {
      issues.push({
        file: rel(serviceFile),
        path: 'default',
        message: 'the default export is not a defineService({...}) result',
        hint: 'end the file with `export default defineService({ ... })`',
      });
    } else {
      const parsed = parseWith(serviceSchema, mod.default.input, rel(serviceFile));
      if (parsed.ok) spec = normalizeService(name, parsed.value);
      else issues.push(...parsed.issues);
      generated = mod.default.generated;
      if (generated && typeof generated.files !== 'function')
        issues.push({
          file: rel(serviceFile),
          path: 'generated.files',
          message: 'is not a function',
          hint: 'generated: { files: (catalog) => ({ "path": "content" }) }',
        });
    }
  } catch (error) {
    issues.push({
      file: rel(serviceFile),
      path: '',
      message: `cannot be loaded: ${loadError(error, rel(serviceFile))}`,
      hint: 'fix the TypeScript error',
    });
  }

  const yaml = readYaml(composeFile, rel(composeFile), yamlCache(root));
  issues.push(...yaml.issues);
  let compose: ComposeFile | undefined;
  if (yaml.issues.length === 0) {
    const parsed = parseWith(composeSchema, yaml.value, rel(composeFile));
    // Keep the file's own key order (the schema only checks; it changes no value).
    if (parsed.ok) compose = yaml.value as ComposeFile;
    else issues.push(...parsed.issues);
  }
  const pkg = readYaml(join(dir, 'package.json'), rel(join(dir, 'package.json')), yamlCache(root));
  issues.push(...pkg.issues);
  if (issues.length > 0 || !spec || !compose) throw new ConfigError(issues);

  const secretsFile = join(dir, 'secrets.vault.yaml');
  return {
    name,
    dir,
    spec,
    compose,
    composeText: readFileSync(composeFile, 'utf8'),
    version: String((pkg.value as { version?: unknown }).version ?? '0.0.0'),
    secretsFile: existsSync(secretsFile) ? secretsFile : undefined,
    configFiles: readTree(join(dir, 'files')),
    files: { service: rel(serviceFile), compose: rel(composeFile) },
    ...(generated ? { generated } : {}),
  };
}

// Every file under `dir`, by its path relative to `dir`, sorted so releases hash the same.
function readTree(dir: string, prefix = ''): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, readTree(join(dir, entry.name), rel));
    else if (entry.isFile()) out[rel] = readFileSync(join(dir, entry.name), 'utf8');
  }
  return out;
}

export function inventoryNames(root: string): string[] {
  const dir = join(root, 'inventories');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'inventory.yaml')))
    .sort();
}

// Loads inventories/<env>: inventory.yaml and every <host>/host.yaml, normalized.
export function loadInventory(root: string, env: string): Inventory {
  const dir = join(root, 'inventories', env);
  const rel = (p: string) => relative(root, p);
  const invFile = join(dir, 'inventory.yaml');
  if (!existsSync(invFile)) {
    throw new ConfigError([
      {
        file: rel(invFile),
        path: '',
        message: `no inventory named "${env}"`,
        hint: `one of: ${inventoryNames(root).join(', ') || '(none)'}`,
      },
    ]);
  }
  const raw = readYaml(invFile, rel(invFile));
  if (raw.issues.length) throw new ConfigError(raw.issues);
  const inv = parseWith(inventorySchema, raw.value, rel(invFile));
  if (!inv.ok) throw new ConfigError(inv.issues);

  const issues: ConfigIssue[] = [];
  const hosts: Record<string, HostSpec> = {};
  for (const name of readdirSync(dir).sort()) {
    const hostFile = join(dir, name, 'host.yaml');
    if (!existsSync(hostFile)) continue;
    const y = readYaml(hostFile, rel(hostFile));
    if (y.issues.length) {
      issues.push(...y.issues);
      continue;
    }
    const host = parseWith(hostSchema, y.value, rel(hostFile));
    if (!host.ok) issues.push(...host.issues);
    else hosts[name] = normalizeHost(name, host.value, inv.value, dir, rel(hostFile));
  }
  if (issues.length) throw new ConfigError(issues);
  return normalizeInventory(inv.value, hosts, dir);
}

// Where a service.ts fails to compile, as "<file>:<line>:<column>: <what>": from esbuild's "<file>:<l>:<c>:
// ERROR: <what>" (tsx, the CLI) or oxc's "[PARSE_ERROR] <what> ... [ <file>:<l>:<c> ]" (vitest); other
// errors keep their first line.
export function loadError(error: unknown, relative: string): string {
  const message = stripVTControlCharacters(error instanceof Error ? error.message : String(error));
  const esbuild = /^.*:(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild) return `${relative}:${esbuild[1]}:${esbuild[2]}: ${esbuild[3]}`;
  const oxc = /\[[A-Z_]+\]\s*(.*)\n[\s\S]*?\[\s*\S+:(\d+):(\d+)\s*\]/.exec(message);
  if (oxc) return `${relative}:${oxc[2]}:${oxc[3]}: ${oxc[1]!.trim()}`;
  return message.split('\n')[0] ?? '';
}
