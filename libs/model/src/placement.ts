// Pure: whether a service exists in an inventory, and whether that inventory can run it.
import type { Inventory } from './inventory-schema.ts';
import type { LoadedService } from './load.ts';
import { parseImage } from './compose.ts';

export type Placement =
  /** Deployable to its host in this inventory. */
  | { kind: 'placed' }
  /** Not part of this inventory at all (its `inventories` leave it out): never listed there. */
  | { kind: 'absent'; why: string }
  /** Part of this inventory, but the inventory cannot run it: a non-production inventory lacks a GPU, an
   * image or a host; any inventory does not name the user's private image yet. */
  | { kind: 'unrunnable'; why: string };

/** The inventory's file as a user finds it from the repository root (inventories/<name>/inventory.yaml). */
export function inventoryFile(inventory: Pick<Inventory, 'dir'>): string {
  const at = inventory.dir.lastIndexOf('inventories/');
  return `${at >= 0 ? inventory.dir.slice(at) : inventory.dir}/inventory.yaml`;
}

// The private images (imagesFromInventory) the inventory does not map yet: until the user names
// them, the service is skipped with the exact line to add, in every inventory. Not a validate error:
// the rest of the inventory validates and deploys (CI stays green) while it is waiting.
function unnamedImage(svc: LoadedService, inventory: Inventory): string | undefined {
  for (const [name, what] of Object.entries(svc.spec.imagesFromInventory ?? {})) {
    const placeholder = svc.compose.services[name]?.image;
    if (!placeholder || placeholder in inventory.images) continue;
    return `it needs ${what}, and ${inventoryFile(inventory)} does not name it yet: add under images:  "${placeholder}": <repository>:<tag> (e.g. youruser/${name}:1.0.0)`;
  }
  return undefined;
}

// A production inventory runs every service placed in it (what it lacks is a validate error there),
// but for a private image it does not name yet; a lab or other stand-in inventory reports what it
// cannot run as skipped, with the reason.
export function placement(svc: LoadedService, inventory: Inventory): Placement {
  const only = svc.spec.inventories;
  if (only && !only.includes(inventory.name))
    return {
      kind: 'absent',
      why: `${svc.name} exists only in inventor${only.length === 1 ? 'y' : 'ies'} ${only.join(', ')} (inventories in ${svc.files.service})`,
    };
  const unnamed = unnamedImage(svc, inventory);
  if (unnamed) return { kind: 'unrunnable', why: unnamed };
  if (inventory.production) return { kind: 'placed' };
  const host = inventory.hosts[svc.spec.host];
  if (!host) return { kind: 'unrunnable', why: `no host ${svc.spec.host} in inventory ${inventory.name}` };
  if (svc.spec.gpu && !host.gpu) return { kind: 'unrunnable', why: `needs a GPU; ${inventory.name} host ${host.name} has none` };
  if (inventory.name === 'lab') {
    // The lab reaches no registry: every image must be one it builds (lab/...) or maps to one.
    for (const def of Object.values(svc.compose.services)) {
      const image = inventory.images[def.image] ?? def.image;
      if (!parseImage(image).repository.startsWith('lab/')) return { kind: 'unrunnable', why: `no lab image for ${def.image}` };
    }
  }
  return { kind: 'placed' };
}
