// The reference job of the benchmarks, as a user writes it in Ansible today: per service, copy the rendered
// compose file and .env to the host and run `docker compose up -d` (which does nothing when nothing changed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { HostSpec } from '@homelab/model';
import { renderRelease } from '@homelab/render';
import { loadWorkspace } from '../workspace.ts';

export interface AnsibleJob {
  /** Renders the services' current files (as homelab would) into the playbook's folder. */
  render(): Promise<void>;
  /** One ansible-playbook run over every service; throws when it fails. */
  run(): Promise<void>;
}

export function ansibleJob(workspaceRoot: string, dir: string, host: HostSpec, services: string[]): AnsibleJob {
  mkdirSync(dir, { recursive: true });
  const remote = (name: string) => `${host.deployRoot}/ansible/${name}`;
  writeFileSync(
    join(dir, 'hosts.ini'),
    `[lab]\n${host.name} ansible_host=${host.address} ansible_user=root ansible_ssh_private_key_file=${host.ssh.identityFile} ansible_python_interpreter=/usr/bin/python3\n`,
  );
  writeFileSync(
    join(dir, 'ansible.cfg'),
    `[defaults]\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\n[ssh_connection]\nssh_args = -o UserKnownHostsFile=${host.ssh.knownHosts} -o ControlMaster=auto -o ControlPersist=60s\npipelining = True\n`,
  );
  const items = services.map((name) => `{ name: ${name}, dir: ${remote(name)} }`).join(', ');
  writeFileSync(
    join(dir, 'deploy.yml'),
    [
      '- hosts: lab',
      '  gather_facts: false',
      '  tasks:',
      `    - file: { path: '{{ item.dir }}', state: directory }`,
      `      loop: [${items}]`,
      `    - copy: { src: '{{ item.name }}.compose.yaml', dest: '{{ item.dir }}/compose.yaml' }`,
      `      loop: [${items}]`,
      `    - copy: { src: '{{ item.name }}.env', dest: '{{ item.dir }}/.env', mode: '0600' }`,
      `      loop: [${items}]`,
      '      no_log: true',
      '    - command: docker compose up -d --remove-orphans',
      `      args: { chdir: '{{ item.dir }}' }`,
      `      environment: { DOCKER_HOST: '${host.dockerHost}' }`,
      `      loop: [${items}]`,
      '',
    ].join('\n'),
  );
  return {
    async render() {
      const { workspace } = await loadWorkspace('lab', workspaceRoot);
      for (const name of services) {
        const s = workspace.services.find((x) => x.name === name)!;
        // The playbook's copy runs its own compose project next to homelab's: another project name and port.
        const r = renderRelease(s, { host, images: workspace.inventory.images }, {});
        writeFileSync(join(dir, `${name}.compose.yaml`), r.compose);
        writeFileSync(join(dir, `${name}.env`), r.env);
      }
    },
    async run() {
      const r = await execa('ansible-playbook', ['-i', 'hosts.ini', 'deploy.yml'], {
        cwd: dir,
        reject: false,
        env: { ANSIBLE_CONFIG: join(dir, 'ansible.cfg') },
        // A run takes seconds; one that hangs (an SSH master whose host went away under it) ends the bench.
        timeout: 120_000,
      });
      if (r.exitCode !== 0)
        throw new Error(`ansible-playbook failed${r.timedOut ? ' (no end after 120 s)' : ''}:\n${r.stdout}\n${r.stderr}`);
    },
  };
}
