// The host library's errors: each names the host and what to do next.
import { CommandError, HomelabError } from '@homelab/model';
import type { LockHolder } from './lock.ts';

/** The host lock is held by another deploy. */
export class LockHeldError extends HomelabError {
  readonly holderInfo: LockHolder | undefined;
  constructor(host: string, holder: LockHolder | undefined, waitedSeconds: number) {
    super(
      `${host} is locked by ${holder ? `${holder.holder} (pid ${holder.pid}, "${holder.command}", since ${holder.startedAt})` : 'an unknown holder'}${waitedSeconds ? `; waited ${waitedSeconds}s` : ''}`,
      { hint: `wait for that deploy to finish; if it died, \`homelab lock release ${host}\` clears the lock` },
    );
    this.holderInfo = holder;
  }
}

/** A command over SSH failed; exit code 255 means the connection itself failed. */
export class SshError extends CommandError {}
