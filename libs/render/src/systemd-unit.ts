// Pure: the systemd unit that runs a service's current release at boot.
import type { HostSpec, LoadedService } from '@homelab/model';

export function unitName(service: string): string {
  return `homelab-${service}.service`;
}

export function renderSystemdUnit(svc: LoadedService, host: HostSpec): string {
  const dir = `${host.deployRoot}/${svc.name}/current`;
  return [
    '[Unit]',
    `Description=homelab ${svc.name}: ${svc.spec.description}`,
    'Requires=docker.service',
    'After=docker.service network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `WorkingDirectory=${dir}`,
    'ExecStart=/usr/bin/docker compose up -d --remove-orphans',
    'ExecStop=/usr/bin/docker compose down',
    'TimeoutStartSec=300',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
