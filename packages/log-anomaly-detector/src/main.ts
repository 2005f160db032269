// Entry point: configuration from LAD_* variables (see README.md), runs until SIGTERM.
import { App, configFromEnv } from './app.ts';

const config = configFromEnv();
if (!config.files.length && !config.stdin && !config.loki && !config.docker) {
  console.error('log-anomaly-detector: no input; set LAD_FILES, LAD_STDIN=1, LAD_LOKI_URL or LAD_DOCKER_HOST');
  process.exit(2);
}
const app = new App(config);
await app.start();
console.error(`log-anomaly-detector listening on ${config.host}:${app.port} (/metrics, /health)`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
