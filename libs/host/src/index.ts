export * from './errors.ts';
export * from './shell.ts';
export * from './executor.ts';
export * from './local-executor.ts';
export * from './ssh-args.ts';
export * from './ssh-executor.ts';
export * from './facts.ts';
export * from './lock.ts';
