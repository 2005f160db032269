// Pure: where each lab host keeps its namespace, keys, sockets and data.
export interface LabHost {
  name: string;
  /** Address inside the namespace (from inventories/lab/<name>/host.yaml). */
  address: string;
  /** Address of this machine's end of the veth pair. */
  gateway: string;
  netns: string;
  vethOutside: string;
  vethInside: string;
  runDir: string;
  stateDir: string;
  dockerSocket: string;
}

export function labHost(name: string, address: string): LabHost {
  const gateway = address.replace(/\.\d+$/, '.1');
  const short = name.slice(0, 10);
  return {
    name,
    address,
    gateway,
    netns: `lab-${name}`,
    vethOutside: `lab-${short}`,
    vethInside: `eth0-${short}`,
    runDir: `/run/lab/${name}`,
    stateDir: `/var/lib/lab/${name}`,
    dockerSocket: `/run/lab/${name}/docker.sock`,
  };
}

export function sshdConfig(host: LabHost): string {
  return [
    `ListenAddress ${host.address}`,
    'Port 22',
    `HostKey ${host.stateDir}/ssh_host_ed25519_key`,
    `PidFile ${host.runDir}/sshd.pid`,
    `AuthorizedKeysFile ${host.stateDir}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'UsePAM no',
    'StrictModes no',
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

export function dockerdArgs(host: LabHost): string[] {
  return [
    '--host',
    `unix://${host.dockerSocket}`,
    '--data-root',
    `${host.stateDir}/docker`,
    '--exec-root',
    `${host.runDir}/exec`,
    '--pidfile',
    `${host.runDir}/dockerd.pid`,
    '--storage-driver',
    'overlay2',
    '--log-level',
    'warn',
  ];
}
