// Pure: the catalog (every service an inventory runs, and the inventory) and the files that services
// generate from it (nginx vhosts, the zone, the scrape config), merged into their releases' files/.
import type { ConfigIssue } from './errors.ts';
import type { Inventory } from './inventory-schema.ts';
import type { LoadedService } from './load.ts';
import { placement } from './placement.ts';

export interface Catalog {
  inventory: Inventory;
  /** The services the inventory runs (placed there), sorted by name, with their hand-written files only. */
  services: LoadedService[];
}

export function catalogOf(services: LoadedService[], inventory: Inventory): Catalog {
  return {
    inventory,
    services: services.filter((s) => placement(s, inventory).kind === 'placed').sort((a, b) => a.name.localeCompare(b.name)),
  };
}

// A generated path must stay inside files/.
function badPath(path: string): boolean {
  return path === '' || path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '' || p === '.');
}

// Every service that declares `generated` gets its files from the catalog, beside its hand-written ones;
// a hand-written file at a generated path is an error unless service.ts lists it in `overrides`. While a
// service cannot be loaded (`broken`), the catalog is not known: a generating service is not made without
// it (its vhost or zone record would silently go).
export function applyCatalog(
  services: LoadedService[],
  inventory: Inventory,
  broken: string[] = [],
): { services: LoadedService[]; issues: Map<string, ConfigIssue[]> } {
  const catalog = catalogOf(services, inventory);
  const issues = new Map<string, ConfigIssue[]>();
  const out = services.map((svc) => {
    if (!svc.generated) return svc;
    const file = svc.files.service;
    if (broken.length) {
      issues.set(svc.name, [
        {
          file,
          path: 'generated',
          message: `its files are made from every service, and ${broken.sort().join(', ')} cannot be loaded`,
          hint: 'fix the service(s) named first',
        },
      ]);
      return svc;
    }
    let generated: Record<string, string>;
    try {
      generated = svc.generated.files(catalog);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      issues.set(svc.name, [{ file, path: 'generated', message: `cannot generate its files: ${message}`, hint: 'fix the service named' }]);
      return svc;
    }
    const overrides = new Set(svc.generated.overrides ?? []);
    const problems: ConfigIssue[] = [];
    for (const path of Object.keys(generated)) {
      if (badPath(path))
        problems.push({ file, path: 'generated', message: `generated path "${path}" is not inside files/`, hint: 'use a relative path' });
      else if (path in svc.configFiles && !overrides.has(path))
        problems.push({
          file: `packages/${svc.name}/files/${path}`,
          path: '',
          message: 'a hand-written file where a generated one goes',
          hint: `delete it, or keep it by listing '${path}' in generated.overrides of ${file}`,
        });
    }
    if (problems.length) {
      issues.set(svc.name, problems);
      return svc;
    }
    const merged = { ...generated, ...svc.configFiles };
    const configFiles = Object.fromEntries(
      Object.keys(merged)
        .sort()
        .map((k) => [k, merged[k]!]),
    );
    const generatedPaths = Object.keys(generated)
      .filter((p) => !(p in svc.configFiles))
      .sort();
    return { ...svc, configFiles, generatedPaths };
  });
  return { services: out.filter((s) => !issues.has(s.name)), issues };
}
