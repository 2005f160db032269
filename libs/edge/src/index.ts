export * from './catalog-view.ts';
export * from './nginx.ts';
export * from './cloudflared.ts';
export * from './dns.ts';
export * from './access.ts';
