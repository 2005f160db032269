// npm run bench -w packages/log-anomaly-detector [-- --data DIR]: accuracy, throughput and memory of
// the template miner on every LogHub-2k-style data set in DIR, with ONE default configuration.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TemplateMiner } from './miner/drain.ts';
import { groupAccuracy, parsingAccuracy } from './bench/metrics.ts';
import { listDataSets, loadDataSet } from './bench/loghub.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, lines: { type: 'string' } } });
const dir = resolve(values.data ?? new URL('../../../../shared/loghub', import.meta.url).pathname);
const throughputLines = Number(values.lines ?? 1_000_000);

// Published Drain GA (Zhu et al. 2019, tuned per data set), for comparison.
const drain: Record<string, number> = {
  HDFS: 0.998,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  BGL: 0.963,
  Apache: 1.0,
  Linux: 0.69,
  Proxifier: 0.527,
};

const rows: Array<{ name: string; ga: number; pa: number; templates: number; truth: number; lps: number; heapMiB: number }> = [];
for (const name of listDataSets(dir)) {
  const data = loadDataSet(dir, name);
  const miner = new TemplateMiner();
  const ids = data.lines.map((l) => miner.add(l.content).template);
  const truth = data.lines.map((l) => l.template);
  const ga = groupAccuracy(
    truth,
    ids.map((t) => t.id),
  );
  const pa = parsingAccuracy(
    truth,
    ids.map((t) => t.text),
  );

  // Throughput: a fresh miner over the data set replayed to `throughputLines`, one thread.
  const contents = data.lines.map((l) => l.content);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const timed = new TemplateMiner();
  let peak = heapBefore;
  const start = process.hrtime.bigint();
  for (let n = 0; n < throughputLines; ) {
    for (let i = 0; i < contents.length && n < throughputLines; i++, n++) timed.add(contents[i]!);
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rows.push({
    name,
    ga,
    pa,
    templates: miner.size,
    truth: new Set(truth).size,
    lps: throughputLines / seconds,
    heapMiB: (peak - heapBefore) / 1024 / 1024,
  });
}

const f = (x: number) => x.toFixed(3);
console.log(
  `\nTemplate miner on ${dir} (one default configuration; throughput: ${throughputLines.toLocaleString('en')} lines per data set, one thread)\n`,
);
console.log('| data set | GA | Drain GA | PA | templates (truth) | lines/s | peak heap MiB |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${f(r.ga)} | ${drain[r.name] !== undefined ? f(drain[r.name]!) : '-'} | ${f(r.pa)} | ${r.templates} (${r.truth}) | ${Math.round(r.lps).toLocaleString('en')} | ${r.heapMiB.toFixed(1)} |`,
  );
const mean = (k: 'ga' | 'pa' | 'lps') => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const known = rows.filter((r) => drain[r.name] !== undefined);
const drainMean = known.reduce((s, r) => s + drain[r.name]!, 0) / (known.length || 1);
const row = `| **mean** | **${f(mean('ga'))}** | ${known.length ? f(drainMean) : '-'} | ${f(mean('pa'))} | | ${Math.round(mean('lps')).toLocaleString('en')} | |`;
console.log(row);
console.log(`\nGA: Group Accuracy; PA: Parsing Accuracy (definitions in ${dir}/README.md). Drain GA: published, tuned per data set.`);
console.log(
  `Peak heap: growth of the heap while mining; the whole run's max RSS was ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB.`,
);
