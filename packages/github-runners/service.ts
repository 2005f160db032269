import { defineService } from '@homelab/model';

export default defineService({
  description: 'GitHub Actions runners: 4 ephemeral Docker runners (labels self-hosted, homelab, ansible)',
  host: 'gh-runner-01',
  category: 'automation',
  secrets: ['GITHUB_RUNNER_TOKEN'],
  health: {
    probes: [
      { type: 'container', service: 'github-runner' },
      // Registered with GitHub (config.sh wrote .runner with the runner's name) and listening for jobs.
      {
        type: 'exec',
        service: 'github-runner',
        command: ['sh', '-c', "grep -qs '[R]unner\\.Listener' /proc/[0-9]*/cmdline && cat /actions-runner/.runner"],
        expectOutput: '"agentName":\\s*"gh-runner-01',
      },
    ],
    timeoutSeconds: 180,
  },
});
