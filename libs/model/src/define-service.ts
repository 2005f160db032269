// The one call every packages/<service>/service.ts makes.
import type { Catalog } from './catalog.ts';
import type { ServiceInput } from './service-schema.ts';

const marker = Symbol.for('homelab.service');

/**
 * Files a service's release carries that are made from the catalog (every service of the inventory)
 * and the inventory: the nginx vhosts, the zone, the scrape config. Paths are under files/.
 */
export interface GeneratedFiles {
  /** Pure: the catalog in, file path (under files/) -> content out. */
  files: (catalog: Catalog) => Record<string, string>;
  /**
   * Paths the package's own files/ replaces by hand (an explicit override); any other hand-written
   * file at a generated path is an error, so that nothing is shadowed by accident.
   */
  overrides?: string[];
}

export interface ServiceDefinition {
  readonly [marker]: true;
  readonly input: ServiceInput;
  readonly generated: GeneratedFiles | undefined;
}

// Wraps a service's settings; validation happens when the workspace loads it, so errors name the file.
export function defineService(input: ServiceInput & { generated?: GeneratedFiles }): ServiceDefinition {
  const { generated, ...rest } = input;
  return { [marker]: true, input: rest, generated };
}

export function isServiceDefinition(value: unknown): value is ServiceDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
