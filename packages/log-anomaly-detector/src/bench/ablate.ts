// Ablation of the masking and miner rules, and a leave-one-out over the RULES (not only the parameters):
// for each held-out set, only the rules that the other sets justify are kept, the parameters are chosen on
// those other sets with those rules, and the held-out set is measured with both.
import type { MinerOptions } from '../miner/drain.ts';
import { type Rule, rules } from '../miner/tokens.ts';
import type { DataSet } from './loghub.ts';
import { type Accuracy, choose, type Params } from './loo.ts';

export const switchable = Object.keys(rules) as Rule[];

// Runs `f` with exactly the rules in `on` switched on, then puts every rule back on.
export function withRules<T>(on: ReadonlySet<Rule>, f: () => T): T {
  for (const r of switchable) rules[r] = on.has(r);
  try {
    return f();
  } finally {
    for (const r of switchable) rules[r] = true;
  }
}

export interface Ablation {
  /** GA of every set with every rule on. */
  all: number[];
  /** GA of every set with one rule off, by rule. */
  off: Map<Rule, number[]>;
}

export function ablate(sets: DataSet[], accuracy: Accuracy, options: Partial<MinerOptions> = {}): Ablation {
  const every = new Set(switchable);
  const all = withRules(every, () => sets.map((s) => accuracy(s, options).ga));
  const off = new Map<Rule, number[]>();
  for (const r of switchable) {
    const without = new Set(every);
    without.delete(r);
    off.set(
      r,
      withRules(without, () => sets.map((s) => accuracy(s, options).ga)),
    );
  }
  return { all, off };
}

// The sets (indexes) on which switching `rule` off lowers GA (by one line or more).
export function helpsOn(a: Ablation, rule: Rule): number[] {
  const off = a.off.get(rule)!;
  return a.all.flatMap((ga, i) => (off[i]! < ga - 1e-9 ? [i] : []));
}

export interface RuleFold {
  name: string;
  /** The rules the other sets justify (switching one off lowers GA on at least one of them). */
  kept: Rule[];
  chosen: Params;
  ga: number;
  pa: number;
}

// Design on the others, measure on the one left out, for each set: the rule set from the ablation
// restricted to the other sets, then the parameters chosen on the other sets with that rule set.
// With `apriori`, a rule is also kept when it handles one of the token classes the issue named before any
// data was looked at (numbers with units, hex, UUIDs, paths, URLs, IPs and ports, key=value, quoted
// strings, timestamps, durations; and, among the formats that group worst, parenthesised fields: an
// empty value in brackets or quotes, "()" for an unresolved host name, is that class's empty case).
export const aprioriClasses: ReadonlySet<Rule> = new Set<Rule>([
  'hexGroups',
  'hexIds',
  'paths',
  'urls',
  'quotedStrings',
  'keyValue',
  'ipPort',
  'dateWords',
  'units',
  'emptyValues',
]);

export function rulesLeaveOneOut(sets: DataSet[], a: Ablation, grid: Params[], accuracy: Accuracy, apriori = false): RuleFold[] {
  return sets.map((held, h) => {
    const kept = switchable.filter((r) => (apriori && aprioriClasses.has(r)) || helpsOn(a, r).some((i) => i !== h));
    return withRules(new Set(kept), () => {
      const others = sets.map((_, i) => i).filter((i) => i !== h);
      const ga = grid.map((p) => sets.map((s, i) => (i === h ? 0 : accuracy(s, p).ga)));
      const chosen = grid[choose(ga, others).index]!;
      const measured = accuracy(held, chosen);
      return { name: held.name, kept, chosen, ga: measured.ga, pa: measured.pa };
    });
  });
}
