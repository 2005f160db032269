// Which services the lab can run: all images are built locally (lab/...) or mapped to one, and no GPU is needed.
import { parseImage, type Inventory, type LoadedService } from '@homelab/model';

export function labRunnable(svc: LoadedService, inventory: Inventory): { ok: boolean; why: string } {
  const host = inventory.hosts[svc.spec.host];
  if (!host) return { ok: false, why: `no lab host ${svc.spec.host}` };
  if (svc.spec.gpu && !host.gpu) return { ok: false, why: 'needs a GPU' };
  for (const def of Object.values(svc.compose.services)) {
    const image = inventory.images[def.image] ?? def.image;
    if (!parseImage(image).repository.startsWith('lab/')) return { ok: false, why: `no lab image for ${def.image}` };
  }
  return { ok: true, why: '' };
}
