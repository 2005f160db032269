// Where alerts go: the Alertmanager v2 API, Discord and Slack webhooks.
import type { Alert } from '../detect/types.ts';
import type { Sink } from '../detect/notifier.ts';

async function post(url: string, body: unknown, what: string): Promise<void> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  // Webhook URLs carry their token in the path: only the origin is ever printed.
  if (!r.ok) throw new Error(`${what}: POST ${new URL(url).origin}/… answered ${r.status} ${(await r.text()).slice(0, 200)}`);
}

// POST /api/v2/alerts: labels identify the alert; it resolves by itself after `resolveMs`.
export function alertmanagerSink(baseUrl: string, options: { resolveMs?: number; generatorURL?: string } = {}): Sink {
  const url = `${baseUrl.replace(/\/$/, '')}/api/v2/alerts`;
  return {
    name: 'alertmanager',
    send: (alerts) =>
      post(
        url,
        alerts.map((a) => ({
          labels: { ...a.labels, service: 'log-anomaly-detector' },
          annotations: {
            summary: a.summary,
            ...(a.template ? { template: a.template } : {}),
            ...(a.example ? { example: a.example.slice(0, 1000) } : {}),
          },
          startsAt: new Date(a.at).toISOString(),
          endsAt: new Date(a.at + (options.resolveMs ?? 60 * 60_000)).toISOString(),
          ...(options.generatorURL ? { generatorURL: options.generatorURL } : {}),
        })),
        'alertmanager',
      ),
  };
}

function lines(alerts: Alert[]): string {
  return (
    alerts
      .slice(0, 10)
      .map((a) => `**${a.name}** (${a.severity}) ${a.summary}${a.template ? `\n\`${a.template.slice(0, 300)}\`` : ''}`)
      .join('\n') + (alerts.length > 10 ? `\n… and ${alerts.length - 10} more` : '')
  );
}

export function discordSink(webhook: string): Sink {
  return {
    name: 'discord',
    send: (alerts) => post(webhook, { username: 'log-anomaly-detector', content: lines(alerts).slice(0, 2000) }, 'discord'),
  };
}

export function slackSink(webhook: string): Sink {
  return { name: 'slack', send: (alerts) => post(webhook, { text: lines(alerts).replaceAll('**', '*') }, 'slack') };
}
