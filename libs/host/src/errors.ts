// The host library's errors: each names the host and what to do next.
import { CommandError, HomelabError } from '@homelab/model';
import { mayHaveRun } from './connection-retry.ts';
import type { LockHolder } from './lock.ts';

/** The host lock is held by another deploy. */
export class LockHeldError extends HomelabError {
  readonly holderInfo: LockHolder | undefined;
  constructor(host: string, holder: LockHolder | undefined, waitedSeconds: number) {
    const who = holder ? `${holder.holder} (pid ${holder.pid}, "${holder.command}", since ${holder.startedAt})` : 'an unknown holder';
    super(
      `${host} is locked by ${who}${holder?.message ? `: "${holder.message}"` : ''}${waitedSeconds ? `; waited ${waitedSeconds}s` : ''}`,
      {
        hint: holder?.manual
          ? `it was taken by hand; \`homelab lock release ${host}\` when the work it announces is done`
          : `wait for that deploy to finish; if it died, \`homelab lock release ${host}\` clears the lock`,
      },
    );
    this.holderInfo = holder;
  }
}

/** A command over SSH failed; exit code 255 means the connection itself failed. */
export class SshError extends CommandError {}

/**
 * The lock could not be taken for a reason other than another holder. The host's own refusal, and ssh
 * refusing the key or host key, leave nothing behind; a lost connection (`connectionLost`: ssh's
 * exit code 255 otherwise) may have come after the lock was taken.
 */
export class LockError extends HomelabError {
  readonly connectionLost: boolean;
  /** `exitCode`: the taking script's, when it failed (not when the host answered that it cannot). */
  constructor(host: string, deployRoot: string, reason: string, exitCode?: number) {
    const connectionLost = exitCode !== undefined && mayHaveRun(exitCode, reason);
    const hint = connectionLost
      ? `the connection to ${host} failed while the lock was being taken, so it may be held all the same: \`homelab lock status ${host}\` shows it, \`homelab lock release ${host}\` frees it`
      : exitCode === 255
        ? `ssh to ${host} was refused before anything ran: check the SSH key and the host key in the inventory's known_hosts (the lab writes its own with \`homelab lab up\`)`
        : /No space left/i.test(reason)
          ? `free disk space (or inodes: df -i) under ${deployRoot} on ${host}`
          : /Read-only/i.test(reason)
            ? `the file system under ${deployRoot} on ${host} is read-only: remount it read-write or move deployRoot`
            : /Permission denied/i.test(reason)
              ? `the SSH user on ${host} cannot write ${deployRoot}: fix its owner or permissions, or use another deployRoot`
              : `check ${deployRoot} on ${host}`;
    super(`cannot take the host lock in ${deployRoot} on ${host}: ${reason || 'unknown reason'}`, { hint });
    this.connectionLost = connectionLost;
  }
}

/** The host lock was taken from a transition before its last step: that step was not done. */
export class LockLostError extends HomelabError {
  constructor(host: string, deployRoot: string, what: string) {
    super(`${host}: the host lock in ${deployRoot} is no longer held by this transition, so ${what} was not done`, {
      hint: 'another deploy took the lock over as stale (its holder looked gone, or it was older than an hour): `homelab status` and `homelab history` show what the host holds now',
    });
  }
}
