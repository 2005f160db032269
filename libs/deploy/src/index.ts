export * from './errors.ts';
export * from './layout.ts';
export * from './record.ts';
export * from './remote.ts';
export * from './remote-state.ts';

export * from './plan.ts';
export * from './probe-target.ts';
export * from './pipeline.ts';
export * from './apply.ts';
export * from './rollback.ts';
export * from './operate.ts';
export * from './prune.ts';
export * from './status.ts';
export * from './many.ts';
