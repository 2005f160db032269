// A generated log of a distributed block store (in the style of HDFS DataNode/NameNode logs), for
// detection tests that must run with no data beside the repository. Seeded: the same lines every run.
// Each block goes through the store's life cycle (allocate, receive on three replicas, acknowledge,
// register), some blocks are later served, verified, replicated or deleted; the values (block ids,
// addresses, ports, sizes) vary line by line, as a template miner meets them in real logs.

// Mulberry32: a small seeded generator, enough for varied but repeatable values.
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// `count` lines (default 2,000) of a steady block-store log.
export function blockStoreLog(count = 2000, seed = 20261126): string[] {
  const rnd = seeded(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const ip = () => `10.250.${int(20) + 1}.${int(250) + 2}`;
  const block = () => `blk_${rnd() < 0.5 ? '-' : ''}${String(int(9e8) + 1e8)}${String(int(9e8) + 1e8)}`;
  const size = () => String(rnd() < 0.8 ? 67108864 : int(67108864) + 1024);
  const lines: string[] = [];
  const known: string[] = [];
  while (lines.length < count) {
    const blk = block();
    const replicas = [ip(), ip(), ip()];
    const bytes = size();
    lines.push(`BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_${int(9999)}_m_${int(999)}_0/part-${int(999)}. ${blk}`);
    for (const r of replicas) lines.push(`Receiving block ${blk} src: /${ip()}:${int(60000) + 1024} dest: /${r}:50010`);
    for (let i = 2; i >= 0; i--) lines.push(`PacketResponder ${i} for block ${blk} terminating`);
    for (const r of replicas) lines.push(`Received block ${blk} of size ${bytes} from /${r}`);
    for (const r of replicas) lines.push(`BLOCK* NameSystem.addStoredBlock: blockMap updated: ${r}:50010 is added to ${blk} size ${bytes}`);
    known.push(blk);
    const old = known[int(known.length)]!;
    if (rnd() < 0.35) lines.push(`${ip()}:50010 Served block ${old} to /${ip()}`);
    if (rnd() < 0.05) lines.push(`Verification succeeded for ${old}`);
    if (rnd() < 0.02) lines.push(`${ip()}:50010 Starting thread to transfer block ${old} to ${ip()}:50010`);
    if (rnd() < 0.6) {
      // A deleted block is dropped from every replica that holds it.
      const holders = [ip(), ip(), ip()].slice(0, 2 + int(2));
      for (const at of holders) lines.push(`BLOCK* NameSystem.delete: ${old} is added to invalidSet of ${at}:50010`);
      if (rnd() < 0.05) lines.push(`BLOCK* ask ${holders[0]}:50010 to delete ${old}`);
      for (let i = 0; i < holders.length; i++)
        lines.push(`Deleting block ${old} file /mnt/hadoop/dfs/data/current/subdir${int(64)}/${old}`);
    }
  }
  return lines.slice(0, count);
}
