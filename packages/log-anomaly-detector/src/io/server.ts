// /metrics for Prometheus and /health.
import { createServer, type Server } from 'node:http';

export interface Metrics {
  lines(): Record<string, number>;
  templates(): number;
  evicted(): number;
  alerts(): Record<string, number>;
  notifications(): { sent: number; deduplicated: number; dropped: number; failed: number };
}

// Prometheus text exposition format 0.0.4.
export function renderMetrics(m: Metrics): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, rows: Array<[Record<string, string>, number]>) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
    }
  };
  metric(
    'lad_lines_total',
    'counter',
    'Log lines read, per source.',
    Object.entries(m.lines()).map(([source, n]) => [{ source }, n]),
  );
  metric('lad_templates', 'gauge', 'Templates the miner holds.', [[{}, m.templates()]]);
  metric('lad_templates_evicted_total', 'counter', 'Templates evicted (least recently used) to bound memory.', [[{}, m.evicted()]]);
  metric(
    'lad_alerts_total',
    'counter',
    'Alerts raised, per alert name.',
    Object.entries(m.alerts()).map(([alertname, n]) => [{ alertname }, n]),
  );
  const n = m.notifications();
  metric('lad_notifications_total', 'counter', 'Alerts by what happened to them.', [
    [{ outcome: 'sent' }, n.sent],
    [{ outcome: 'deduplicated' }, n.deduplicated],
    [{ outcome: 'rate_limited' }, n.dropped],
    [{ outcome: 'failed' }, n.failed],
  ]);
  return `${out.join('\n')}\n`;
}

export function startServer(port: number, host: string, m: Metrics): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderMetrics(m));
    } else if (req.url === '/health') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', templates: m.templates(), lines: Object.values(m.lines()).reduce((a, b) => a + b, 0) }));
    } else res.writeHead(404).end('not found\n');
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
