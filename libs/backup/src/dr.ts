// Pure: the ordered steps that rebuild a host from nothing: bootstrap, then per service in dependency
// order its deploy and the restore of its data, then the health of everything.
import { ConfigError, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import { targetsFor } from './plan.ts';

export interface DrStep {
  kind: 'bootstrap' | 'targets' | 'deploy' | 'restore' | 'verify';
  service?: string;
  text: string;
  command: string;
}

// Services of the host in dependency order (dependsOn on the same host first; ties by name).
export function dependencyOrder(services: LoadedService[]): LoadedService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: LoadedService[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (svc: LoadedService, path: string[]) => {
    if (state.get(svc.name) === 'done') return;
    if (state.get(svc.name) === 'visiting')
      throw new ConfigError([
        {
          file: svc.files.service,
          path: 'dependsOn',
          message: `a dependency cycle: ${[...path, svc.name].join(' -> ')}`,
          hint: 'remove one of the dependsOn entries',
        },
      ]);
    state.set(svc.name, 'visiting');
    for (const dep of [...svc.spec.dependsOn].sort()) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, svc.name]);
    }
    state.set(svc.name, 'done');
    out.push(svc);
  };
  for (const svc of [...services].sort((a, b) => a.name.localeCompare(b.name))) visit(svc, []);
  return out;
}

export function drPlan(host: HostSpec, services: LoadedService[], inventory: Inventory): DrStep[] {
  const flag = inventory.name === 'lab' ? '' : ` -i ${inventory.name}`;
  const ordered = dependencyOrder(services.filter((s) => s.spec.host === host.name));
  const targets = targetsFor(inventory, host.name);
  const steps: DrStep[] = [
    {
      kind: 'bootstrap',
      text: `${host.name} (${host.address}) runs Debian with Docker, the Compose v2 plugin and restic; this machine's SSH key logs in as ${host.ssh.user}; ${host.paths.data} and ${host.paths.config} are mounted (an empty disk is fine)`,
      command: `homelab facts ${host.name}${flag}`,
    },
    {
      kind: 'targets',
      text: `the backup repositories open with the vault's password: ${targets.map((t) => `${t.name} (${t.repository})`).join(', ') || 'none named for this host'}`,
      command: `homelab backup list <service>${flag}`,
    },
  ];
  for (const svc of ordered) {
    const deps = svc.spec.dependsOn.filter((d) => !ordered.some((o) => o.name === d));
    steps.push({
      kind: 'deploy',
      service: svc.name,
      text: `deploy ${svc.name}${deps.length ? ` (it also names ${deps.join(', ')}, not among what this host runs here)` : ''}`,
      command: `homelab deploy ${svc.name}${flag}`,
    });
    if (svc.spec.backups)
      steps.push({
        kind: 'restore',
        service: svc.name,
        text: `restore the newest snapshot of ${svc.name} (${svc.spec.backups.volumes.join(', ')}${svc.spec.backups.databases.length ? `; dumps of ${svc.spec.backups.databases.map((d) => d.service).join(', ')}` : ''}), then start it and run its health test`,
        command: `homelab restore ${svc.name}${flag}`,
      });
  }
  steps.push({
    kind: 'verify',
    text: `every service of ${host.name} runs its release and passes its health test`,
    command: `homelab status ${host.name}${flag}`,
  });
  return steps;
}
