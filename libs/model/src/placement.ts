// Pure: whether a service exists in an inventory, and whether that inventory can run it.
import type { Inventory } from './inventory-schema.ts';
import type { LoadedService } from './load.ts';
import { parseImage } from './compose.ts';

export type Placement =
  /** Deployable to its host in this inventory. */
  | { kind: 'placed' }
  /** Not part of this inventory at all (its `inventories` leave it out): never listed there. */
  | { kind: 'absent'; why: string }
  /** Part of this inventory, but a non-production inventory cannot run it (a GPU, an image, a host it lacks). */
  | { kind: 'unrunnable'; why: string };

// A production inventory runs every service placed in it (what it lacks is a validate error there);
// a lab or other stand-in inventory reports what it cannot run as skipped, with the reason.
export function placement(svc: LoadedService, inventory: Inventory): Placement {
  const only = svc.spec.inventories;
  if (only && !only.includes(inventory.name))
    return {
      kind: 'absent',
      why: `${svc.name} exists only in inventor${only.length === 1 ? 'y' : 'ies'} ${only.join(', ')} (inventories in ${svc.files.service})`,
    };
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
