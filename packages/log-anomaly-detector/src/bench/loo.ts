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

// Mean GA differences below this are noise: one group of 10 lines in a 2,000-line set is 0.005.
export const NOISE = 0.005;

// The pair chosen on `sets` (indexes into the GA table): the first pair of the grid (the most merging)
// whose mean GA is within NOISE of the best mean.
export function choose(ga: number[][], sets: number[]): { index: number; mean: number } {
  const means = ga.map((row) => sets.reduce((s, i) => s + row[i]!, 0) / sets.length);
  const best = Math.max(...means);
  const index = means.findIndex((m) => m >= best - NOISE);
  return { index, mean: means[index]! };
}

export function leaveOneOut(sets: DataSet[], grid: Params[], accuracy: Accuracy): { folds: Fold[]; all: Params } {
  // GA of every pair on every set, computed once.
  const ga = grid.map((p) => sets.map((s) => accuracy(s, p).ga));
  const everySet = sets.map((_, i) => i);
  const folds = sets.map((held, h) => {
    const { index, mean } = choose(
      ga,
      everySet.filter((i) => i !== h),
    );
    const chosen = grid[index]!;
    const measured = accuracy(held, chosen);
    return { name: held.name, chosen, trainGa: mean, ga: measured.ga, pa: measured.pa };
  });
  return { folds, all: grid[choose(ga, everySet).index]! };
}
