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
