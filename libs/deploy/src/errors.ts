// The deploy library's errors: each names the service, the host and what to do next.
import { stripVTControlCharacters } from 'node:util';
import type { HealthReport } from '@homelab/health';
import { HomelabError } from '@homelab/model';

/** A release did not pass its health test (its containers' last log lines included). */
export class UnhealthyError extends HomelabError {
  constructor(service: string, host: string, report: HealthReport, logs = '') {
    const clean = stripVTControlCharacters(logs).trim();
    const tail = clean ? `\n  its last log lines:\n    ${clean.split('\n').slice(-15).join('\n    ')}` : '';
    super(
      `${service} on ${host} failed its health test after ${report.seconds.toFixed(1)}s (${report.attempts} tries): ${report.detail.join('; ')}${tail}`,
      {
        hint: `see its logs on the host: docker compose -p ${service} logs --tail 50`,
      },
    );
  }
}

/** A rollback found no healthy release older than the current one. */
export class NothingToRollBackError extends HomelabError {
  constructor(service: string, host: string, from: string | undefined) {
    super(`${service} on ${host} has no healthy release older than ${from ?? 'the current one'} to roll back to`, {
      hint: 'deploy a fixed version instead',
    });
  }
}

/** rollback --to names no release the host keeps and once ran healthy. */
export class NoSuchReleaseError extends HomelabError {
  constructor(service: string, host: string, wanted: string, kept: string[]) {
    super(`${service} on ${host} keeps no healthy release matching "${wanted}"`, {
      hint: kept.length
        ? `one of (release id, a prefix of it, or its version): ${kept.join(', ')}; \`homelab history ${service}\` lists them`
        : `it keeps no other healthy release; \`homelab history ${service}\` shows what ran`,
    });
  }
}

/** restart, stop or start need a current release that passed its health test. */
export class NoVerifiedReleaseError extends HomelabError {
  constructor(service: string, host: string, action: string, current: string | undefined) {
    super(
      current
        ? `${service} on ${host}: the current release ${current} never passed its health test, so ${action} is refused`
        : `${service} on ${host} is not deployed, so there is nothing to ${action}`,
      { hint: current ? `deploy it (homelab deploy ${service}) or roll back (homelab rollback ${service})` : `homelab deploy ${service}` },
    );
  }
}

/** The host's fingerprint key file holds something else than a key. */
export class FingerprintKeyError extends HomelabError {
  constructor(host: string, file: string) {
    super(`${host}: ${file} is not a key (64 lower-case hex digits)`, {
      hint: 'remove it: the next deploy writes a new one (every secret is then reported as changed once)',
    });
  }
}
