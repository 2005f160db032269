export * from './errors.ts';
export * from './envelope.ts';
export * from './cipher.ts';
export * from './vault.ts';
export * from './passwords.ts';
export * from './vars-file.ts';
export * from './redact.ts';
export * from './service-secrets.ts';
