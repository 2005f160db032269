export * from './compose.ts';
export * from './env-file.ts';
export * from './systemd-unit.ts';
export * from './release.ts';
export * from './fingerprint.ts';
export * from './affected.ts';
