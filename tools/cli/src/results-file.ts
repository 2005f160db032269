// HOMELAB_RESULTS_FILE: a command that acts per service (validate, plan, deploy, rollback, health) also
// writes each service's outcome there as JSON. The Nx executor that runs many tasks in one homelab
// process (tools/nx-plugin/src/executors/cli.ts) reads it to give each task its own result.
import { writeFileSync } from 'node:fs';

export interface ServiceOutcome {
  service: string;
  ok: boolean;
  /** One or more lines saying what happened to the service (no secret: the same as printed). */
  summary: string;
}

export function writeResultsFile(
  command: string,
  inventory: string,
  services: ServiceOutcome[],
  file = process.env.HOMELAB_RESULTS_FILE,
): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify({ command, inventory, services }, null, 2)}\n`);
}
