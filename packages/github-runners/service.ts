import { defineService } from '@homelab/model';

export default defineService({
  description: 'GitHub Actions runners: 4 ephemeral Docker runners (labels self-hosted, homelab, ansible)',
  host: 'gh-runner-01',
  category: 'automation',
  secrets: ['GITHUB_RUNNER_TOKEN'],
  health: { probes: [{ type: 'container', service: 'github-runner' }], timeoutSeconds: 180 },
});
