export * from './lab.ts';
export * from './layout.ts';
export * from './images.ts';
export * from './install.ts';
export { hostUp, hostDown, hostStatus } from './hosts.ts';
export * from './certificates.ts';
