// The backup library's errors: each names the host, the repository and what to do next.
import { CommandError, HomelabError } from '@homelab/model';

export type ResticProblem = 'password' | 'unreachable' | 'no repository' | 'no snapshot' | 'locked' | 'other';

// Pure: what restic's own words say went wrong.
export function classifyRestic(stderr: string): ResticProblem {
  if (/wrong password or no key found/i.test(stderr)) return 'password';
  if (/Is there a repository at the following location/i.test(stderr)) return 'no repository';
  if (/no snapshot(s)? found|no matching ID found|invalid id/i.test(stderr)) return 'no snapshot';
  if (/repository is already locked/i.test(stderr)) return 'locked';
  if (
    /unable to open repository|ssh command exited|connection (refused|reset|timed out)|no route to host|dial tcp|Could not resolve|unable to start the sftp session/i.test(
      stderr,
    )
  )
    return 'unreachable';
  return 'other';
}

const hints: Record<ResticProblem, (repository: string, passwordFile: string) => string> = {
  password: (_r, file) =>
    `the restic password (RESTIC_PASSWORD in ${file}) does not open this repository: give the one it was created with (homelab vault view ${file})`,
  unreachable: (r) =>
    `the repository ${r} cannot be reached from the host: check the network, the SSH key and known_hosts of the host, and that the server runs`,
  'no repository': (r) => `there is no repository at ${r} yet: \`homelab backup run\` creates it on the first backup`,
  'no snapshot': () => 'list the snapshots with `homelab backup list <service>` and give one of their ids',
  locked: (r) => `another restic process holds a lock on ${r}: wait for it, or \`restic unlock\` if it died`,
  other: () => "read restic's message above",
};

/** A restic command failed on a host: the repository, the problem in restic's words and what to do. */
export class ResticError extends CommandError {
  readonly problem: ResticProblem;
  readonly target: string;
  constructor(fields: {
    host: string;
    target: string;
    repository: string;
    passwordFile: string;
    command: string;
    exitCode: number;
    stderr: string;
  }) {
    const problem = classifyRestic(fields.stderr);
    super({
      host: fields.host,
      command: `${fields.command} (target ${fields.target}: ${fields.repository})`,
      exitCode: fields.exitCode,
      stderr: fields.stderr,
      hint: hints[problem](fields.repository, fields.passwordFile),
    });
    this.problem = problem;
    this.target = fields.target;
  }
}

/** The inventory names no backup target for a host. */
export class NoBackupTargetError extends HomelabError {
  constructor(inventory: string, host: string) {
    super(`inventory "${inventory}" names no backup target for ${host}`, {
      hint: `add one under backup.targets in inventories/${inventory}/inventory.yaml (a local repository and an SFTP or REST one)`,
    });
  }
}

/** A snapshot that is not of the service asked for, or no snapshot at all. */
export class SnapshotError extends HomelabError {}
