// A streaming template miner. Each line's masked tokens give a key: its constant tokens, with every
// run of variables collapsed into one gap, so a variable that spans one token or three ("0 bytes" /
// "1385 bytes (1.35 KB)") does not split a template. A key seen before is one map lookup. A new key
// joins the most similar template with the same number of constants and the same first constant,
// Drain-style, or starts a template. Memory is bounded: templates are evicted least recently used.
import { isAddressWithPort, isEnumWord, isUnit, maskToken, maskWord, WILDCARD } from './tokens.ts';

export interface MinerOptions {
  /** A new key joins a template when more than this share of its constant tokens match (0..1). */
  similarity: number;
  maxTemplates: number;
  maxLineLength: number;
}

export const defaultMinerOptions: MinerOptions = { similarity: 0.5, maxTemplates: 50_000, maxLineLength: 4096 };

export interface Template {
  id: number;
  /** Template text, variables written <*>. */
  text: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

interface Cluster extends Template {
  /** Constant tokens; null where merging found a variable. */
  consts: Array<string | null>;
  /** Template tokens, and where each constant sits among them. */
  tokens: string[];
  constAt: number[];
  bucket: string;
  keys: string[];
}

const GAP = '\u0001';
const SEP = '\u0002';

export interface MinedLine {
  template: Template;
  /** True when this line created the template. */
  created: boolean;
}

// The one tokenizer: ASCII whitespace separates tokens, and `visit` gets each token's mask (its text, a
// masked form, or WILDCARD), a unit right after a variable counted as part of it. A token of digits and
// punctuation only (the usual variable) is decided from its characters without being copied; other
// tokens are sliced and masked. The miner's hot path and maskLine both go through here.
export function forEachMasked(text: string, visit: (mask: string) => void): void {
  let prevVar = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    const start = i;
    let digit = false;
    let letter = false;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) break;
      if (c >= 48 && c <= 57) digit = true;
      else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128) letter = true;
    }
    let m: string;
    if (digit && !letter && !isAddressWithPort(text, start, i)) m = WILDCARD;
    else {
      const t = text.slice(start, i);
      m = digit ? maskToken(t) : maskWord(t);
      if (m !== WILDCARD && prevVar && isUnit(t)) m = WILDCARD;
    }
    visit(m);
    prevVar = m === WILDCARD;
  }
}

// The masked tokens of a line (the miner's own tokens, as an array).
export function maskLine(text: string): string[] {
  const tokens: string[] = [];
  forEachMasked(text, (m) => tokens.push(m));
  return tokens;
}

export class TemplateMiner {
  readonly options: MinerOptions;
  readonly #byKey = new Map<string, Cluster>();
  readonly #byBucket = new Map<string, Cluster[]>();
  readonly #all = new Map<number, Cluster>();
  #nextId = 1;
  #clock = 0;
  evicted = 0;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...defaultMinerOptions, ...options };
  }

  get size(): number {
    return this.#all.size;
  }

  add(line: string): MinedLine {
    const now = ++this.#clock;
    const text = line.length > this.options.maxLineLength ? line.slice(0, this.options.maxLineLength) : line;
    // The template key: constants and separators, a run of variables as one gap (no token array).
    let key = '';
    let prevVar = false;
    forEachMasked(text, (m) => {
      if (m === WILDCARD) {
        if (!prevVar) key += GAP;
        prevVar = true;
      } else {
        key += m;
        key += SEP;
        prevVar = false;
      }
    });
    const hit = this.#byKey.get(key);
    if (hit) {
      this.#touch(hit, now);
      return { template: hit, created: false };
    }
    // A new key: the masked tokens again (rare, so the hot path above allocates no array).
    const tokens = maskLine(text);
    const consts: string[] = [];
    const constAt: number[] = [];
    tokens.forEach((t, i) => {
      if (t !== WILDCARD) {
        consts.push(t);
        constAt.push(i);
      }
    });
    const bucket = `${consts.length}${SEP}${consts[0] ?? ''}`;
    const match = this.#bestMatch(bucket, consts);
    if (match) {
      this.#merge(match, consts);
      this.#remember(key, match);
      this.#touch(match, now);
      return { template: match, created: false };
    }
    const cluster: Cluster = {
      id: this.#nextId++,
      text: tokens.join(' '),
      count: 0,
      firstSeen: now,
      lastSeen: now,
      consts,
      tokens,
      constAt,
      bucket,
      keys: [],
    };
    const list = this.#byBucket.get(bucket);
    if (list) list.push(cluster);
    else this.#byBucket.set(bucket, [cluster]);
    this.#remember(key, cluster);
    this.#touch(cluster, now);
    this.#all.set(cluster.id, cluster);
    if (this.#all.size > this.options.maxTemplates) this.#evictOldest();
    return { template: cluster, created: true };
  }

  templates(): Template[] {
    return [...this.#all.values()].sort((a, b) => a.id - b.id);
  }

  #bestMatch(bucket: string, consts: string[]): Cluster | undefined {
    const list = this.#byBucket.get(bucket);
    if (!list || consts.length === 0) return undefined;
    let best: Cluster | undefined;
    let bestScore = -1;
    candidates: for (const c of list) {
      let same = 0;
      for (let i = 0; i < consts.length; i++) {
        const mine = consts[i]!;
        const theirs = c.consts[i];
        if (theirs === mine) same++;
        // Two different UPPER_CASE words (NEW/INITED, HTTPS/SOCKS5) are different templates.
        else if (theirs !== null && theirs !== undefined && isEnumWord(mine) && isEnumWord(theirs)) continue candidates;
      }
      const score = same / consts.length;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best && bestScore > this.options.similarity ? best : undefined;
  }

  // Constants that differ become variables of the template.
  #merge(c: Cluster, consts: string[]): void {
    let changed = false;
    for (let i = 0; i < consts.length; i++) {
      if (c.consts[i] !== null && c.consts[i] !== consts[i]) {
        c.consts[i] = null;
        c.tokens[c.constAt[i]!] = WILDCARD;
        changed = true;
      }
    }
    if (changed) c.text = c.tokens.join(' ');
  }

  #remember(key: string, c: Cluster): void {
    this.#byKey.set(key, c);
    c.keys.push(key);
  }

  #touch(c: Cluster, now: number): void {
    c.count++;
    c.lastSeen = now;
  }

  // Least recently used goes first; a scan, but only when the cap is reached.
  #evictOldest(): void {
    let oldest: Cluster | undefined;
    for (const c of this.#all.values()) if (!oldest || c.lastSeen < oldest.lastSeen) oldest = c;
    if (!oldest) return;
    this.#all.delete(oldest.id);
    for (const k of oldest.keys) if (this.#byKey.get(k) === oldest) this.#byKey.delete(k);
    const list = this.#byBucket.get(oldest.bucket);
    if (list) {
      const rest = list.filter((c) => c !== oldest);
      if (rest.length) this.#byBucket.set(oldest.bucket, rest);
      else this.#byBucket.delete(oldest.bucket);
    }
    this.evicted++;
  }
}
