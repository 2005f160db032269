// The one call every packages/<service>/service.ts makes.
import type { ServiceInput } from './service-schema.ts';

const marker = Symbol.for('homelab.service');

export interface ServiceDefinition {
  readonly [marker]: true;
  readonly input: ServiceInput;
}

// Wraps a service's settings; validation happens when the workspace loads it, so errors name the file.
export function defineService(input: ServiceInput): ServiceDefinition {
  return { [marker]: true, input };
}

export function isServiceDefinition(value: unknown): value is ServiceDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
