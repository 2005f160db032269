// Leave-one-out over the labelled data sets: the miner's parameters are chosen on all sets but one and
// measured on the one left out, so the figure says how the miner does on a format it was not tuned on.
import type { MinerOptions } from '../miner/drain.ts';
import type { DataSet } from './loghub.ts';

export type Params = Pick<MinerOptions, 'similarity' | 'variants'>;
export type Accuracy = (data: DataSet, options: Partial<MinerOptions>) => { ga: number; pa: number };

export interface Fold {
  name: string;
  chosen: Params;
  /** Mean GA of the chosen parameters on the other sets. */
  trainGa: number;
  ga: number;
  pa: number;
}

// The grid searched: similarity (share of constants that must agree) and variants (words a position
// takes before it becomes a variable). Ordered from most merging to least, which breaks ties.
export function parameterGrid(): Params[] {
  const grid: Params[] = [];
  for (const variants of [2, 3, 4, 6]) for (const similarity of [0.4, 0.5, 0.6, 0.7, 0.8]) grid.push({ similarity, variants });
  return grid;
}

export function leaveOneOut(sets: DataSet[], grid: Params[], accuracy: Accuracy): Fold[] {
  // GA of every pair on every set, computed once.
  const ga = grid.map((p) => sets.map((s) => accuracy(s, p).ga));
  return sets.map((held, h) => {
    let best = 0;
    let bestMean = -1;
    grid.forEach((_, g) => {
      const others = ga[g]!.filter((_, i) => i !== h);
      const m = others.reduce((a, b) => a + b, 0) / others.length;
      // Strictly better by more than rounding noise; otherwise the earlier (more merging) pair stays.
      if (m > bestMean + 1e-9) {
        bestMean = m;
        best = g;
      }
    });
    const chosen = grid[best]!;
    const measured = accuracy(held, chosen);
    return { name: held.name, chosen, trainGa: bestMean, ga: measured.ga, pa: measured.pa };
  });
}
