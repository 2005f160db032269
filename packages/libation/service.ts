import { defineService } from '@homelab/model';

// Libation, the roadmap's Audible downloader (image: compose.yaml). No web interface, no domain.
//
// The Audible login is a one-off interactive step, never automated with stored credentials. The
// Docker documentation of Libation (getlibation.com/docs, "Docker") has the accounts added once with
// the Libation desktop application; its AccountsSettings.json and Settings.json are then copied into
// the config folder (<paths.config>/libation/config on ocean), and the container reads them from
// /config. Then check it once, interactively, in the running release:
//   npx homelab exec libation -- /libation/LibationCli scan
// which scans the account(s) the same way the container's loop does.
export default defineService({
  description: 'Libation: Audible audiobook downloader, audiobooks on data01 in Plex media folder',
  host: 'ocean',
  category: 'media',
  health: {
    probes: [
      // Libation's documented check of a working setup: its settings file is valid and a library scan
      // (LibationCli scan, as the container's loop runs it) completes; it exits non-zero on failure.
      {
        type: 'exec',
        service: 'libation',
        command: [
          'sh',
          '-c',
          'jq -e \'type == "object"\' /config/Settings.json >/dev/null || { echo "settings invalid: /config/Settings.json"; exit 1; }; /libation/LibationCli scan && echo "libation scan completed"',
        ],
        expectOutput: 'libation scan completed\\s*$',
      },
    ],
    // A scan of a large Audible library takes minutes.
    timeoutSeconds: 900,
  },
  backups: {
    // The config holds the library database (SQLite, written only during a scan or download).
    volumes: ['${CONFIG_ROOT}/config', '${DATA_ROOT}/media/audiobooks'],
    stop: 'Libation writes its SQLite library database during each scan; a copy taken mid-scan is not consistent.',
  },
});
