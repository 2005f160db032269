// Runs in its own process on a checkout of one revision: reads that revision's services and inventory
// with that revision's own libraries (so its code decides what it renders) and writes the release
// fingerprint of every service to a JSON file. Usage: node snapshot-worker.ts <root> <inventory> <out.json>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { placement, type Inventory, type LoadedService } from '@homelab/model';
import { releaseFingerprint, type RenderReleaseFn, type RevisionSnapshot } from '@homelab/render';
import { isVaulted, parseVars, Vaulted } from '@homelab/vault';

interface RevisionModel {
  listServices(root: string): string[];
  loadService(root: string, name: string): Promise<LoadedService>;
  loadInventory(root: string, name: string): Inventory;
  /** Revisions with generated files (nginx vhosts, the zone, the scrape config) merge them here. */
  applyCatalog?(
    services: LoadedService[],
    inventory: Inventory,
    broken: string[],
  ): { services: LoadedService[]; issues: Map<string, unknown[]> };
}

const [root, inventoryName, out] = process.argv.slice(2) as [string, string, string];
const lib = (name: string) => import(pathToFileURL(join(root, 'libs', name, 'src/index.ts')).href);
const model = (await lib('model')) as RevisionModel;
const { renderRelease } = (await lib('render')) as { renderRelease: RenderReleaseFn };

// The stored form of each secret: inline envelopes by name, or the whole file under `*`.
function storedSecrets(svc: LoadedService): Record<string, string> {
  const file = join(svc.dir, 'secrets.vault.yaml');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (isVaulted(text)) return { '*': text };
  const values: Record<string, string> = {};
  for (const [key, value] of parseVars(text, file).entries)
    values[key] = value instanceof Vaulted ? value.envelope : `clear:${String(value)}`;
  return values;
}

const snapshot: RevisionSnapshot = { inventory: inventoryName, releases: {}, notDeployed: {}, broken: {} };
const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 6).join(' ');
let inventory: Inventory | undefined;
try {
  inventory = model.loadInventory(root, inventoryName);
} catch (error) {
  writeFileSync(out, JSON.stringify({ error: `inventory ${inventoryName}: ${message(error)}` }));
  process.exit(0);
}
// A service.ts runs arbitrary code at import: it may not end this process and hide every other service
// (the revision's own loader may predate the guard loadService has now).
const exit = process.exit;
process.exit = ((code?: number) => {
  throw new Error(`service.ts called process.exit(${code ?? ''})`);
}) as typeof process.exit;
const loaded: LoadedService[] = [];
for (const name of model.listServices(root)) {
  try {
    loaded.push(await model.loadService(root, name));
  } catch (error) {
    snapshot.broken[name] = message(error);
  }
}
// Generated files depend on every service of the inventory: they are made once all are loaded.
let services = loaded;
if (model.applyCatalog) {
  const generated = model.applyCatalog(loaded, inventory, Object.keys(snapshot.broken));
  services = generated.services;
  for (const [name, problems] of generated.issues)
    snapshot.broken[name] = (problems as Array<{ file?: string; message?: string }>).map((p) => `${p.file}: ${p.message}`).join('; ');
}
for (const svc of services) {
  const name = svc.name;
  try {
    const where = placement(svc, inventory);
    const fingerprint = where.kind === 'placed' ? releaseFingerprint(svc, inventory, renderRelease, root) : undefined;
    if (!fingerprint)
      snapshot.notDeployed[name] = where.kind === 'placed' ? `no host ${svc.spec.host} in inventory ${inventoryName}` : where.why;
    else snapshot.releases[name] = { ...fingerprint, secretValues: storedSecrets(svc) };
  } catch (error) {
    snapshot.broken[name] = message(error);
  }
}
process.exit = exit;
writeFileSync(out, JSON.stringify(snapshot));
