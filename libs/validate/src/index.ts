export * from './validate.ts';
export * from './config-tools.ts';
