import { HomelabError } from '@homelab/model';

/** The probe ran and the service is not ready yet: the poller tries again. */
export class NotReadyError extends Error {
  override name = 'NotReadyError';
}

/** The deadline passed while the service was still not ready. */
export class HealthTimeoutError extends HomelabError {
  readonly reason: string;
  constructor(service: string, host: string, seconds: number, reason: string) {
    super(`${service} on ${host} was not healthy within ${seconds}s: ${reason}`, {
      hint: `look at its logs: homelab logs ${service}, or on the host: docker compose -p ${service} logs --tail 50`,
    });
    this.reason = reason;
  }
}
