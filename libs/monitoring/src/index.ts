export * from './targets.ts';
export * from './prometheus.ts';
export * from './rules.ts';
export * from './alertmanager.ts';
export * from './grafana.ts';
