// Pure: where a service's releases live on its host.
export interface ServicePaths {
  root: string;
  releases: string;
  current: string;
  state: string;
  release: (id: string) => string;
}

export function servicePaths(deployRoot: string, service: string): ServicePaths {
  const root = `${deployRoot}/${service}`;
  return {
    root,
    releases: `${root}/releases`,
    current: `${root}/current`,
    state: `${root}/state.json`,
    release: (id) => `${root}/releases/${id}`,
  };
}

// Release ids sort by time: 20261126T070102Z-1a2b3c4d.
export function releaseId(hash: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${hash.slice(0, 8)}`;
}

export const keepReleases = 5;
