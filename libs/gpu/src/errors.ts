// The GPU library's errors: each says which host and what to do next.
import { HomelabError } from '@homelab/model';
import { nvidiaSmiQuery } from './nvidia-smi.ts';

/** nvidia-smi printed something this library cannot read. */
export class NvidiaSmiParseError extends HomelabError {
  constructor(host: string, line: string, why: string) {
    super(`${host}: cannot read nvidia-smi output line ${JSON.stringify(line)}: ${why}`, {
      hint: `run \`nvidia-smi ${nvidiaSmiQuery.join(' ')}\` on ${host} and check the driver works`,
    });
  }
}

/** A GPU service cannot run on its host as it is; nothing was changed on the host. */
export class GpuPreflightError extends HomelabError {
  readonly host: string;
  readonly service: string;
  constructor(service: string, host: string, message: string, hint: string) {
    super(`${service} on ${host}: ${message}`, { hint });
    this.host = host;
    this.service = service;
  }
}
