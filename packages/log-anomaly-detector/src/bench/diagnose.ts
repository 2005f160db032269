// Shows how mined groups differ from the truth for one data set (development aid).
import { resolve } from 'node:path';
import { TemplateMiner } from '../miner/drain.ts';
import { loadDataSet } from './loghub.ts';

const [name = 'Linux', dirArg] = process.argv.slice(2);
const data = loadDataSet(resolve(dirArg ?? new URL('../../../../../shared/loghub', import.meta.url).pathname), name);
const miner = new TemplateMiner();
const mined = data.lines.map((l) => miner.add(l.content).template).map((t) => miner.resolve(t));
const byTruth = new Map<string, Map<number, number>>();
data.lines.forEach((l, i) => {
  const m = byTruth.get(l.template) ?? new Map<number, number>();
  m.set(mined[i]!.id, (m.get(mined[i]!.id) ?? 0) + 1);
  byTruth.set(l.template, m);
});
const minedTruths = new Map<number, Set<string>>();
for (const [i, l] of data.lines.entries()) minedTruths.set(mined[i]!.id, (minedTruths.get(mined[i]!.id) ?? new Set()).add(l.template));
for (const [t, m] of byTruth) {
  const split = m.size > 1;
  const merged = [...m.keys()].some((id) => minedTruths.get(id)!.size > 1);
  if (!split && !merged) continue;
  console.log(`${split ? 'SPLIT ' : ''}${merged ? 'MERGED ' : ''}${t}  (${[...m.values()].reduce((a, b) => a + b, 0)} lines)`);
  for (const id of m.keys()) console.log(`    -> ${miner.templates().find((x) => x.id === id)?.text}`);
}
