export { createNodesV2, createDependencies, hostProjectName, inventoryProjectName } from './plugin.ts';
export type { HomelabPluginOptions } from './plugin.ts';
