export * from './errors.ts';
export * from './poller.ts';
export * from './probes.ts';
export * from './health-test.ts';
