// Pure: where a service's releases live on its host.
export interface ServicePaths {
  root: string;
  releases: string;
  current: string;
  state: string;
  /** Written before `current` is switched, removed once the transition is recorded: left behind, it says
   * the release `current` points to was never verified (the deploy was interrupted). */
  intent: string;
  /** The pid of a running `docker compose up` of this service. */
  upPid: string;
  /** The host's key for secret fingerprints (one per deploy root). */
  fingerprintKey: string;
  release: (id: string) => string;
}

export function servicePaths(deployRoot: string, service: string): ServicePaths {
  const root = `${deployRoot}/${service}`;
  return {
    root,
    releases: `${root}/releases`,
    current: `${root}/current`,
    state: `${root}/state.json`,
    intent: `${root}/intent.json`,
    upPid: `${root}/.compose-up.pid`,
    fingerprintKey: `${deployRoot}/.fingerprint-key`,
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
