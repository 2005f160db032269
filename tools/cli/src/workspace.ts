// Loads the workspace once per command: every service and the chosen inventory.
import { ConfigError, findWorkspaceRoot, listServices, loadInventory, loadService, type ConfigIssue, type Inventory, type LoadedService } from '@homelab/model';

export interface Workspace {
  root: string;
  inventory: Inventory;
  services: LoadedService[];
}

// Loads all services; a broken one is reported with its file, the rest still load.
export async function loadWorkspace(inventoryName: string, root = findWorkspaceRoot()): Promise<{ workspace: Workspace; issues: Map<string, ConfigIssue[]> }> {
  const inventory = loadInventory(root, inventoryName);
  const services: LoadedService[] = [];
  const issues = new Map<string, ConfigIssue[]>();
  for (const name of listServices(root)) {
    try {
      services.push(await loadService(root, name));
    } catch (error) {
      if (error instanceof ConfigError) issues.set(name, error.issues);
      else throw error;
    }
  }
  return { workspace: { root, inventory, services }, issues };
}

// Picks services by name; an unknown name is an error that lists the known ones.
export function selectServices(ws: Workspace, names: string[], loadIssues: Map<string, ConfigIssue[]>): LoadedService[] {
  if (names.length === 0) return ws.services;
  return names.map((name) => {
    const found = ws.services.find((s) => s.name === name);
    if (found) return found;
    const issues = loadIssues.get(name);
    if (issues) throw new ConfigError(issues);
    throw new ConfigError([{ file: `packages/${name}`, path: '', message: `no service named "${name}"`, hint: `one of: ${ws.services.map((s) => s.name).join(', ')}` }]);
  });
}
