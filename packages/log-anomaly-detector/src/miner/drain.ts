// A streaming template miner. Each line's masked tokens give a key: its constant tokens, with every
// run of variables collapsed into one gap, so a variable that spans one token or three ("0 bytes" /
// "1385 bytes (1.35 KB)") does not split a template. A key seen before is found by its hash in one map
// lookup. A new key joins the most similar template with the same number of constants and the same
// first constant, Drain-style, once the words where they differ have taken `variants` values, or starts
// a template. Memory is bounded: templates are evicted least recently used.
import { isAddressWithPort, isEnumWord, isUnit, maskToken, rules, WILDCARD } from './tokens.ts';

export interface MinerOptions {
  /** A new key joins a template when more than this share of its constant tokens match (0..1). */
  similarity: number;
  /**
   * Near templates (similar as above) that differ only at the same positions stay apart until those
   * positions have taken this many different words; then they are one template with variables there
   * (2: at once, as Drain does). Two or three words in one place are usually an enum (start/stop).
   */
  variants: number;
  maxTemplates: number;
  maxLineLength: number;
}

export const defaultMinerOptions: MinerOptions = { similarity: 0.4, variants: 3, maxTemplates: 50_000, maxLineLength: 4096 };

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
  keys: Key[];
  /** Names of the sibling groups it belongs to; the template that absorbed it. */
  groups: string[];
  into?: Cluster;
}

export interface MinedLine {
  template: Template;
  /** True when this line created the template. */
  created: boolean;
}

// The one tokenizer: ASCII whitespace separates tokens, and `visit` gets each token's mask (its text, a
// masked form, or WILDCARD), a unit right after a variable counted as part of it. The line is split
// natively; a token that starts with a digit (the usual variable) is masked directly, any other token's
// mask comes from a bounded cache (words repeat: a log has few distinct ones). The miner's hot path and
// maskLine both go through here.
const OTHER_WHITESPACE = /[\t\n\r\f\v]/;
const WHITESPACE = /[ \t\n\r\f\v]+/;
// The variable mask, kept here: the hot path reads no imported binding.
const VAR = WILDCARD;

// FNV-1a of a string, and one step of the same hash over a 32-bit value: a line's key is the hash of
// its masks' hashes, so no key string is built for a line whose key is known.
function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & SMALL;
}
function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}
// Hashes are kept to 30 bits: small integers, which V8 stores and compares as such (a Map keyed by them
// does no number boxing).
const SMALL = 0x3fffffff;

interface Masked {
  mask: string;
  hash: number;
  /** A unit word: part of the variable before it ("512 bytes"). */
  unit: boolean;
}
// Masks of constant tokens, by token: a miner keeps its own (a fresh miner starts cold). An open-addressed
// table (bounded memory: it doubles while more than a quarter full, up to a fixed size, then never grows): the
// slot comes from the token's length and a few of its characters (no hash over the whole token), a few
// slots are probed, and a full run overwrites the first slot. A token compares equal to the one in its
// slot or misses. It starts small, so a new miner (one per source) costs little to make.
const CACHE_SLOTS = 1 << 15;
const CACHE_START = 1 << 10;
const CACHE_PROBES = 4;
class MaskCache {
  tokens: Array<string | undefined> = new Array(CACHE_START).fill(undefined);
  masks: Array<Masked | undefined> = new Array(CACHE_START).fill(undefined);
  /** Slots - 1. */
  mask = CACHE_START - 1;
  used = 0;
}
function slotOf(t: string, mask: number): number {
  const n = t.length;
  return (
    (Math.imul(n, 0x9e3779b1) ^
      Math.imul(t.charCodeAt(0), 0x85ebca6b) ^
      Math.imul(t.charCodeAt(n - 1), 0xc2b2ae35) ^
      Math.imul(t.charCodeAt(n >> 1), 0x27d4eb2f)) &
    mask
  );
}
// Twice the slots, every kept token placed again.
function grow(cache: MaskCache): void {
  const { tokens, masks } = cache;
  const size = tokens.length * 2;
  cache.tokens = new Array(size).fill(undefined);
  cache.masks = new Array(size).fill(undefined);
  cache.mask = size - 1;
  cache.used = 0;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] !== undefined) store(cache, tokens[i]!, masks[i]!);
}
function store(cache: MaskCache, t: string, m: Masked): void {
  if (cache.used * 4 >= cache.tokens.length && cache.tokens.length < CACHE_SLOTS) grow(cache);
  const slot = slotOf(t, cache.mask);
  const tokens = cache.tokens;
  let at = slot;
  for (let i = 0; i < CACHE_PROBES; i++) {
    const probe = (slot + i) & cache.mask;
    if (tokens[probe] === undefined) {
      at = probe;
      cache.used++;
      break;
    }
  }
  tokens[at] = t;
  cache.masks[at] = m;
}
const sharedCache = new MaskCache();
const variable: Masked = { mask: VAR, hash: hashString(VAR), unit: false };
const addressWithPort: Masked = { mask: `${VAR}:${VAR}`, hash: hashString(`${VAR}:${VAR}`), unit: false };
const masked = (mask: string, t: string): Masked => ({ mask, hash: hashString(mask), unit: isUnit(t) });

// 0: the token has an ASCII letter or a non-ASCII character; 1: digits and punctuation only; 2: punctuation only.
function shapeOf(t: string): number {
  let digit = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    const l = c | 32;
    if ((l >= 97 && l <= 122) || c >= 128) return 0;
    if (c >= 48 && c <= 57) digit = true;
  }
  return digit ? 1 : 2;
}

function maskOf(t: string, maskCache: MaskCache): Masked {
  const c = t.charCodeAt(0) | 32;
  // A token that does not start with a letter may be digits and punctuation only (the usual number, time
  // or address): maskToken's own fast path, decided here without its full scan.
  if ((c < 97 || c > 122) && shapeOf(t) === 1) return t.indexOf(':') > 0 && isAddressWithPort(t, 0, t.length) ? addressWithPort : variable;
  return wordMask(t, maskCache);
}

// The mask of a token with a letter or without a digit: from the cache, or computed and kept.
function wordMask(t: string, maskCache: MaskCache): Masked {
  const slot = slotOf(t, maskCache.mask);
  const tokens = maskCache.tokens;
  for (let i = 0; i < CACHE_PROBES; i++) {
    const at = (slot + i) & maskCache.mask;
    const known = tokens[at];
    if (known === undefined) break;
    if (known === t) return maskCache.masks[at]!;
  }
  const mask = maskToken(t);
  // Variables (blk_38865, (1.35KB) take ever new values: only constants are kept.
  if (mask === VAR) return variable;
  const m = masked(mask, t);
  store(maskCache, t, m);
  return m;
}

export function forEachMasked(text: string, visit: (mask: string) => void, cache: MaskCache = sharedCache): void {
  const parts = OTHER_WHITESPACE.test(text) ? text.split(WHITESPACE) : text.split(' ');
  let prevVar = false;
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i]!;
    if (t === '') continue;
    const m = maskOf(t, cache);
    const mask: string = prevVar && m.unit ? WILDCARD : m.mask;
    visit(mask);
    prevVar = mask === WILDCARD;
  }
}

// The template key of a line, the hot path: its masks with each run of variables as one <*> (the same
// tokens and masks as forEachMasked, without a callback) go to `keyMasks` (the first `keyLength`), and
// their hash is returned.
// Every token's mask (as maskLine gives them) goes to `lineMasks` (the first `lineLength`), for a new key.
const keyMasks: string[] = [];
let keyLength = 0;
const lineMasks: string[] = [];
let lineLength = 0;
// What an ASCII character tells the tokenizer: whitespace, or a letter (any non-ASCII character counts as
// one) or a digit, or neither.
const SPACE = 1;
const WORD = 2;
const DIGITS = 4;
const KIND = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32]) KIND[c] = SPACE;
for (let c = 48; c <= 57; c++) KIND[c] = DIGITS;
for (let c = 65; c <= 90; c++) KIND[c] = WORD;
for (let c = 97; c <= 122; c++) KIND[c] = WORD;
// Tab, newline, vertical tab, form feed or carriage return in the line (native searches: cheaper than a
// regular expression over the line).
function hasOtherWhitespace(text: string): boolean {
  return (
    text.indexOf('\t') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\f') >= 0 || text.indexOf('\v') >= 0
  );
}
function templateKey(text: string, cache: MaskCache): number {
  const runs = rules.variableRuns;
  let h = 0x811c9dc5 | 0;
  let n = 0;
  let all = 0;
  let prevVar = false;
  const end = text.length;
  // Only spaces separate tokens (the usual line): a token ends at the next space, found natively, and a
  // token that starts with a letter is not scanned at all here.
  const spacesOnly = !hasOtherWhitespace(text);
  let i = 0;
  while (i < end) {
    let c = text.charCodeAt(i);
    // ASCII whitespace separates tokens (as split(WHITESPACE) would).
    if (c < 128 && KIND[c] === SPACE) {
      i++;
      continue;
    }
    // One token, scanned in place: a token of digits and punctuation only (the usual number, time or
    // address, maskToken's own fast path) needs no substring.
    const from = i;
    let kinds = c < 128 ? KIND[c]! : WORD;
    if (spacesOnly) {
      i = text.indexOf(' ', from);
      if (i < 0) i = end;
      for (let k = from + 1; k < i && kinds !== WORD && kinds !== (WORD | DIGITS); k++) {
        c = text.charCodeAt(k);
        kinds |= c < 128 ? KIND[c]! : WORD;
      }
    } else {
      kinds = 0;
      for (;;) {
        const k = c < 128 ? KIND[c]! : WORD;
        if (k === SPACE) break;
        kinds |= k;
        if (++i === end) break;
        c = text.charCodeAt(i);
      }
    }
    let m: Masked;
    if (kinds === DIGITS) {
      const colon = text.indexOf(':', from);
      m = colon > from && colon < i && isAddressWithPort(text, from, i) ? addressWithPort : variable;
    } else m = wordMask(text.slice(from, i), cache);
    if (m.mask === VAR || (prevVar && m.unit)) {
      if (!prevVar || !runs) {
        keyMasks[n++] = VAR;
        h = mix(h, variable.hash);
      }
      lineMasks[all++] = VAR;
      prevVar = true;
    } else {
      keyMasks[n++] = m.mask;
      lineMasks[all++] = m.mask;
      h = mix(h, m.hash);
      prevVar = false;
    }
  }
  keyLength = n;
  lineLength = all;
  return h & SMALL;
}

// A known key: the masks it stands for (to tell keys with one hash apart) and its template.
interface Key {
  hash: number;
  masks: string[];
  cluster: Cluster;
  /** The next key with the same hash. */
  next: Key | undefined;
}

function sameMasks(masks: string[]): boolean {
  if (masks.length !== keyLength) return false;
  for (let i = 0; i < keyLength; i++) if (masks[i] !== keyMasks[i]) return false;
  return true;
}

// The masked tokens of a line (the miner's own tokens, as an array).
export function maskLine(text: string, cache: MaskCache = sharedCache): string[] {
  const tokens: string[] = [];
  forEachMasked(text, (m) => tokens.push(m), cache);
  return tokens;
}

export class TemplateMiner {
  readonly options: MinerOptions;
  /** Known keys by hash (keys that share a hash are chained). */
  readonly #byKey = new Map<number, Key>();
  readonly #byBucket = new Map<string, Cluster[]>();
  readonly #all = new Map<number, Cluster>();
  readonly #masks = new MaskCache();
  /** Templates by text: a new key whose masked tokens read exactly as a template joins it. */
  readonly #byText = new Map<string, Cluster>();
  /** Templates that differ from one another only at the same positions, by the name of the group. */
  readonly #siblings = new Map<string, Cluster[]>();
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
    const hash = templateKey(text, this.#masks);
    for (let k = this.#byKey.get(hash); k; k = k.next) {
      if (sameMasks(k.masks)) {
        this.#touch(k.cluster, now);
        return { template: k.cluster, created: false };
      }
    }
    const key: Key = { hash, masks: keyMasks.slice(0, keyLength), cluster: undefined as unknown as Cluster, next: undefined };
    // A new key: its line's masked tokens, recorded by templateKey (the hot path above allocates no array).
    const tokens = lineMasks.slice(0, lineLength);
    const consts: string[] = [];
    const constAt: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] !== VAR) {
        consts.push(tokens[i]!);
        constAt.push(i);
      }
    }
    const bucket = rules.firstConstant ? `${consts.length}\u0002${consts[0] ?? ''}` : `${consts.length}`;
    const joined = tokens.join(' ');
    const same = rules.sameText ? this.#byText.get(joined) : undefined;
    if (same) return this.#join(same, consts, key, now);
    const near = this.#bestMatch(bucket, consts);
    let group: Cluster[] | undefined;
    let pattern = '';
    if (near) {
      // The near template with the positions where the two differ as variables: the sibling group's name.
      pattern = this.#pattern(near, consts);
      if (pattern === near.text) return this.#join(near, consts, key, now);
      group = this.#siblings.get(pattern) ?? [near];
      // A position that has taken `variants` different words is a variable: the group becomes one template.
      if (group.length + 1 >= this.options.variants) {
        this.#siblings.delete(pattern);
        for (const s of group) if (s !== near) this.#absorb(near, s);
        return this.#join(near, consts, key, now);
      }
    }
    const cluster: Cluster = {
      id: this.#nextId++,
      text: joined,
      count: 0,
      firstSeen: now,
      lastSeen: now,
      consts,
      tokens,
      constAt,
      bucket,
      keys: [],
      groups: [],
    };
    const list = this.#byBucket.get(bucket);
    if (list) list.push(cluster);
    else this.#byBucket.set(bucket, [cluster]);
    this.#remember(key, cluster);
    this.#touch(cluster, now);
    this.#all.set(cluster.id, cluster);
    this.#byText.set(joined, cluster);
    if (group && near) {
      if (group.length === 1) near.groups.push(pattern);
      group.push(cluster);
      cluster.groups.push(pattern);
      this.#siblings.set(pattern, group);
    }
    if (this.#all.size > this.options.maxTemplates) this.#evictOldest();
    return { template: cluster, created: true };
  }

  // The template a line was given, or the one it was later absorbed into.
  resolve(t: Template): Template {
    let c = t as Cluster;
    while (c.into) c = c.into;
    return c;
  }

  #join(c: Cluster, consts: Array<string | null>, key: Key, now: number): MinedLine {
    this.#merge(c, consts);
    this.#remember(key, c);
    this.#touch(c, now);
    return { template: c, created: false };
  }

  #pattern(c: Cluster, consts: string[]): string {
    const tokens = c.tokens.slice();
    for (let i = 0; i < consts.length; i++) if (c.consts[i] !== null && c.consts[i] !== consts[i]) tokens[c.constAt[i]!] = WILDCARD;
    return tokens.join(' ');
  }

  // `s` joins `into`: its keys now find `into`; it leaves the buckets, the text index and the count.
  #absorb(into: Cluster, s: Cluster): void {
    s.into = into;
    into.count += s.count;
    if (s.firstSeen < into.firstSeen) into.firstSeen = s.firstSeen;
    if (s.lastSeen > into.lastSeen) into.lastSeen = s.lastSeen;
    for (const k of s.keys) {
      k.cluster = into;
      into.keys.push(k);
    }
    this.#merge(into, s.consts);
    this.#forget(s);
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
        else if (rules.enumWords && theirs !== null && theirs !== undefined && isEnumWord(mine) && isEnumWord(theirs)) continue candidates;
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
  #merge(c: Cluster, consts: Array<string | null>): void {
    let changed = false;
    // A template found by its text may sit in another bucket (other constants): nothing to merge.
    if (c.consts.length !== consts.length) return;
    for (let i = 0; i < consts.length; i++) {
      if (c.consts[i] !== null && c.consts[i] !== consts[i]) {
        c.consts[i] = null;
        c.tokens[c.constAt[i]!] = WILDCARD;
        changed = true;
      }
    }
    if (changed) {
      if (this.#byText.get(c.text) === c) this.#byText.delete(c.text);
      c.text = c.tokens.join(' ');
      // Another template that now reads the same (it had a variable where this one had a word) is this one.
      const twin = rules.sameText ? this.#byText.get(c.text) : undefined;
      if (twin && twin !== c) this.#absorb(c, twin);
      this.#byText.set(c.text, c);
    }
  }

  #remember(key: Key, c: Cluster): void {
    key.cluster = c;
    c.keys.push(key);
    key.next = this.#byKey.get(key.hash);
    this.#byKey.set(key.hash, key);
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
    for (const k of oldest.keys) this.#unchain(k);
    this.#forget(oldest);
    this.evicted++;
  }

  #unchain(key: Key): void {
    const first = this.#byKey.get(key.hash);
    if (first === key) {
      if (key.next) this.#byKey.set(key.hash, key.next);
      else this.#byKey.delete(key.hash);
      return;
    }
    for (let k = first; k; k = k.next)
      if (k.next === key) {
        k.next = key.next;
        return;
      }
  }

  // Takes `c` out of the template list, its bucket, the text index and its sibling groups.
  #forget(c: Cluster): void {
    this.#all.delete(c.id);
    if (this.#byText.get(c.text) === c) this.#byText.delete(c.text);
    const list = this.#byBucket.get(c.bucket);
    if (list) {
      const rest = list.filter((x) => x !== c);
      if (rest.length) this.#byBucket.set(c.bucket, rest);
      else this.#byBucket.delete(c.bucket);
    }
    for (const g of c.groups) {
      const rest = this.#siblings.get(g)?.filter((x) => x !== c);
      if (rest && rest.length > 1) this.#siblings.set(g, rest);
      else this.#siblings.delete(g);
    }
  }
}
