// Group Accuracy and Parsing Accuracy as the LogHub papers define them.

// GA: share of lines whose mined group holds exactly the lines of their ground-truth group.
export function groupAccuracy(truth: string[], mined: Array<string | number>): number {
  const byTruth = new Map<string, number[]>();
  const byMined = new Map<string | number, number[]>();
  truth.forEach((t, i) => {
    (byTruth.get(t) ?? byTruth.set(t, []).get(t)!).push(i);
    (byMined.get(mined[i]!) ?? byMined.set(mined[i]!, []).get(mined[i]!)!).push(i);
  });
  let correct = 0;
  for (const lines of byMined.values()) {
    const t = truth[lines[0]!]!;
    const group = byTruth.get(t)!;
    if (group.length === lines.length && lines.every((i) => truth[i] === t)) correct += lines.length;
  }
  return correct / truth.length;
}

// PA: share of lines whose mined template equals the ground truth, variables written <*>.
export function parsingAccuracy(truth: string[], templates: string[]): number {
  let correct = 0;
  truth.forEach((t, i) => {
    if (normalize(t) === normalize(templates[i]!)) correct++;
  });
  return correct / truth.length;
}

function normalize(t: string): string {
  return t.replace(/\s+/g, ' ').trim();
}
