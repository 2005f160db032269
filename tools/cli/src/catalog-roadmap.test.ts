// The roadmap's catalog (the user's ROADMAP.md: its "Completed" and "In Progress" services, and the
// external URLs of its quick reference), written down here so the check runs in any clone: every
// containerised service it names is a package, and each external URL is that package's domain.
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';

/** Roadmap name -> package. */
const roadmap: Record<string, string> = {
  nginx: 'nginx',
  'Cloudflare tunnels': 'cloudflared',
  'Cloudflare DDNS': 'cloudflare-ddns',
  'Pi-hole': 'pihole',
  BIND9: 'bind9',
  'GitHub runners': 'github-runners',
  Plex: 'plex',
  Sonarr: 'sonarr',
  Radarr: 'radarr',
  Prowlarr: 'prowlarr',
  Bazarr: 'bazarr',
  NZBGet: 'nzbget',
  Overseerr: 'overseerr',
  Tautulli: 'tautulli',
  Tdarr: 'tdarr',
  'Plex Meta Manager': 'kometa',
  'Audible Downloader': 'libation',
  'llama.cpp': 'llama-cpp',
  'Open WebUI': 'open-webui',
  ComfyUI: 'comfyui',
  Prometheus: 'prometheus',
  'node-exporter': 'node-exporter',
  'NVIDIA DCGM': 'dcgm-exporter',
  Grafana: 'grafana',
  Loki: 'loki',
  Promtail: 'promtail',
  'Log Anomaly Detector': 'log-anomaly-detector',
  UnPoller: 'unpoller',
  NextCloud: 'nextcloud',
  TinaCMS: 'tinacms',
  WordPress: 'wordpress',
  Frigate: 'frigate',
  'Home Assistant': 'home-assistant',
  AlertManager: 'alertmanager',
  'Strapi CMS': 'strapi',
  PayloadCMS: 'payloadcms',
};

/** The quick reference's external URLs. */
const domains: Record<string, string> = {
  plex: 'plex.terrac.com',
  grafana: 'grafana.terrac.com',
  'open-webui': 'chat.terrac.com',
  comfyui: 'comfyui.terrac.com',
  nextcloud: 'nextcloud.terrac.com',
  tinacms: 'tina.terrac.com',
  overseerr: 'requests.terrac.com',
  'home-assistant': 'ha.terrac.com',
};

const { workspace } = await loadWorkspace('production', repoRoot);
const byName = new Map(workspace.services.map((s) => [s.name, s]));

describe("the roadmap's services", () => {
  it('every one is a package of the production catalog (none missing)', () => {
    const missing = Object.entries(roadmap)
      .filter(([, pkg]) => !byName.has(pkg))
      .map(([name, pkg]) => `${name} (packages/${pkg})`);
    expect(missing).toEqual([]);
  });

  it('each external URL of the roadmap is the domain of its package', () => {
    const got = Object.fromEntries(Object.keys(domains).map((pkg) => [pkg, byName.get(pkg)?.spec.exposure?.domain]));
    expect(got).toEqual(domains);
  });
});
