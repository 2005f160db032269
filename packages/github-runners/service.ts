import { defineService } from '@homelab/model';

export default defineService({
  description:
    'GitHub Actions runners: 4 ephemeral Docker runners (labels self-hosted, homelab, ansible) and one privileged lab runner for pull requests (label lab)',
  host: 'gh-runner-01',
  category: 'automation',
  secrets: ['GITHUB_RUNNER_TOKEN'],
  // The deploy jobs run on these runners: a deploy of them replaces idle runners one at a time and leaves
  // a runner with a job (its Runner.Worker process) alone until the job ends, so no job, the deploying one
  // included, is cut off; a waiter on the host replaces it then. "[R]" keeps the pattern from matching itself.
  rollout: { services: ['github-runner', 'lab-runner'], busy: ['sh', '-c', "grep -qs '[R]unner\\.Worker' /proc/[0-9]*/cmdline"] },
  health: {
    probes: [
      { type: 'container', service: 'github-runner' },
      { type: 'container', service: 'lab-runner' },
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
