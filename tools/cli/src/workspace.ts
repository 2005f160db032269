// Loads the workspace once per command: every service and the chosen inventory.
import {
  applyCatalog,
  ConfigError,
  findWorkspaceRoot,
  formatIssue,
  listServices,
  loadInventory,
  loadService,
  placement,
  type ConfigIssue,
  type HostSpec,
  type Inventory,
  type LoadedService,
} from '@homelab/model';

export interface Workspace {
  root: string;
  inventory: Inventory;
  /** The services that exist in this inventory. */
  services: LoadedService[];
  /** Services left out of this inventory by their `inventories`, and why: never listed, deployed or validated there. */
  absent: Map<string, string>;
}

/** A selected service the inventory cannot run (lab: a GPU, an image, a host it lacks), with the reason. */
export interface Skipped {
  service: string;
  host: string;
  why: string;
}

/** While the workspace loads. */
export interface LoadHooks {
  /** Services to load before the others (those a command names), so that `placed` hears of them first. */
  first?: readonly string[];
  /** Told of each service the inventory runs, as soon as it is loaded, with its host there (if any). */
  placed?: (svc: LoadedService, host: HostSpec | undefined, inventory: Inventory) => void;
}

// Loads all services; a broken one is reported with its file, the rest still load.
export async function loadWorkspace(
  inventoryName: string,
  root = findWorkspaceRoot(),
  /** Images to map beyond the inventory's own `images:` (the lab's application images built on request). */
  extraImages: Record<string, string> = {},
  hooks: LoadHooks = {},
): Promise<{ workspace: Workspace; issues: Map<string, ConfigIssue[]> }> {
  const loaded = loadInventory(root, inventoryName);
  const inventory = { ...loaded, images: { ...loaded.images, ...extraImages } };
  const names = listServices(root);
  const first = names.filter((name) => hooks.first?.includes(name));
  const byName = new Map<string, LoadedService>();
  const absent = new Map<string, string>();
  const issues = new Map<string, ConfigIssue[]>();
  for (const name of [...first, ...names.filter((n) => !first.includes(n))]) {
    try {
      const svc = await loadService(root, name);
      const where = placement(svc, inventory);
      if (where.kind === 'absent') absent.set(name, where.why);
      else {
        byName.set(name, svc);
        if (where.kind === 'placed') hooks.placed?.(svc, inventory.hosts[svc.spec.host], inventory);
      }
    } catch (error) {
      if (error instanceof ConfigError) issues.set(name, error.issues);
      else throw error;
    }
  }
  const services = names.flatMap((name) => byName.get(name) ?? []);
  // Files made from the catalog (nginx vhosts, the zone, the scrape config) join their services' releases.
  const generated = applyCatalog(services, inventory, [...issues.keys()]);
  for (const [name, problems] of generated.issues) issues.set(name, problems);
  return { workspace: { root, inventory, services: generated.services, absent }, issues };
}

// What a service that cannot be loaded says on screen and in results: its issues, one a line.
export function loadFailure(issues: ConfigIssue[]): string {
  return `cannot be loaded:\n  ${issues.map(formatIssue).join('\n  ')}`;
}

// Picks services by name; an unknown name is an error that lists the known ones.
export function selectServices(ws: Workspace, names: string[], loadIssues: Map<string, ConfigIssue[]>): LoadedService[] {
  if (names.length === 0) return ws.services;
  return names.map((name) => {
    const found = ws.services.find((s) => s.name === name);
    if (found) return found;
    const issues = loadIssues.get(name);
    if (issues) throw new ConfigError(issues);
    const why = ws.absent.get(name);
    if (why)
      throw new ConfigError([
        {
          file: `packages/${name}/service.ts`,
          path: 'inventories',
          message: `is not part of inventory ${ws.inventory.name}: ${why}`,
          hint: `add "${ws.inventory.name}" to its inventories to place it there`,
        },
      ]);
    throw new ConfigError([
      {
        file: `packages/${name}`,
        path: '',
        message: `no service named "${name}"`,
        hint: `one of: ${ws.services.map((s) => s.name).join(', ')}`,
      },
    ]);
  });
}

// Picks services by name (all when none) and sets aside, with the reason, those the inventory cannot run
// (a lab without a GPU or an image) and those named that are not part of the inventory at all.
// Every entry point that acts on services (validate, plan, deploy, rollback, health, up) reports these as skipped.
export function selectRunnable(
  ws: Workspace,
  names: string[],
  loadIssues: Map<string, ConfigIssue[]>,
): { services: LoadedService[]; skipped: Skipped[] } {
  const skipped: Skipped[] = [];
  const known = names.filter((name) => {
    const why = ws.absent.get(name);
    if (why) skipped.push({ service: name, host: '-', why: `not part of inventory ${ws.inventory.name}: ${why}` });
    return !why;
  });
  if (names.length > 0 && known.length === 0) return { services: [], skipped };
  const services = selectServices(ws, known, loadIssues).filter((svc) => {
    const where = placement(svc, ws.inventory);
    if (where.kind === 'unrunnable')
      skipped.push({ service: svc.name, host: svc.spec.host, why: `not runnable in inventory ${ws.inventory.name}: ${where.why}` });
    return where.kind === 'placed';
  });
  return { services, skipped };
}

// The inventory's hosts of those names, in that order, each once; unknown names (and, with
// `docker: true`, hosts that run no Docker) are one error that lists each of them and the hosts that
// would do, raised before any host is reached.
export function hostsNamed(inventory: Inventory, names: readonly string[], options: { docker?: boolean } = {}): HostSpec[] {
  const unique = [...new Set(names)];
  const fit = Object.values(inventory.hosts).filter((h) => !options.docker || h.docker);
  const hint = `one of: ${fit.map((h) => h.name).join(', ')}`;
  const issues = unique.flatMap((name) => {
    const host = inventory.hosts[name];
    if (!host) return [{ file: `inventories/${inventory.name}`, path: name, message: `no host "${name}"`, hint }];
    if (options.docker && !host.docker)
      return [
        {
          file: host.file,
          path: 'docker',
          message: `host "${name}" runs no Docker (docker: false): no deploys, locks or releases there`,
          hint,
        },
      ];
    return [];
  });
  if (issues.length) throw new ConfigError(issues);
  return unique.map((name) => inventory.hosts[name]!);
}

// The hosts a command names (checked as hostsNamed checks them), or every host when it names none;
// Docker hosts only with `docker: true`. In the inventory's order.
export function hostsSelected(inventory: Inventory, names: readonly string[], options: { docker?: boolean } = {}): HostSpec[] {
  const named = new Set(hostsNamed(inventory, names, options));
  return Object.values(inventory.hosts).filter((h) => (names.length ? named.has(h) : !options.docker || h.docker));
}

// The inventory's host of that name; an unknown name is an error that lists the known ones.
export function hostNamed(inventory: Inventory, name: string): HostSpec {
  return hostsNamed(inventory, [name])[0]!;
}
