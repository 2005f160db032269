// One default way to turn a log message into tokens and tell constants from variables, with no
// per-source rules: numbers, hex, IPs, host:port, paths with digits, UUIDs, durations, sizes and
// key=value pairs are variables; so is a unit word right after a number ("512 bytes", "3 sec").

/** The token standing for a variable in templates. */
export const WILDCARD = '<*>';
const IP_PORT = `${WILDCARD}:${WILDCARD}`;

/**
 * Every rule that can be switched off, each named by the general token class (or miner rule) it handles.
 * For the ablation bench only (`npm run bench -- --ablate`): the one default configuration has every
 * rule on, and nothing else changes them.
 */
export const rules = {
  /** Hex groups joined by : or - (MAC addresses, IPv6, fingerprints). */
  hexGroups: true,
  /** Paths: absolute, home, relative, Windows. */
  paths: true,
  /** URLs: scheme://... */
  urls: true,
  /** Quoted strings, alone or as a key's value. */
  quotedStrings: true,
  /** key=value: the value is one variable. */
  keyValue: true,
  /** IPs and host:port keep the colon (<*>:<*>); a name before :port is a variable. */
  ipPort: true,
  /** Host names (labels ending in a top-level domain). */
  hostNames: true,
  /** Short identifiers (letters then one or two digits: eth0, SOCKS5) stay constants. */
  shortIdentifiers: true,
  /** Month and weekday names. */
  dateWords: true,
  /** Empty values: (), [], "". */
  emptyValues: true,
  /** Long hex ids without digits. */
  hexIds: true,
  /** A unit right after a number belongs to it (512 bytes). */
  units: true,
  /** A list of values after a constant is one variable (ids[4,17,23]). */
  valueLists: true,
  /** Miner: two different UPPER_CASE words (enum values) never merge. */
  enumWords: true,
  /** Miner: templates that come to read the same are one. */
  sameText: true,
  /** Miner: a new key is compared only with templates of the same first constant (else: same count). */
  firstConstant: true,
  /** Miner: a run of variables is one gap in a line's key. */
  variableRuns: true,
};
export type Rule = keyof typeof rules;

// Character classes for ASCII: 1 digit, 2 letter, 3 separator (inside a token: a variable segment
// between separators is masked, the separators stay), 0 anything else.
const DIGIT = 1;
const LETTER = 2;
const SEPARATOR = 3;
const classes = new Uint8Array(128);
for (let c = 48; c <= 57; c++) classes[c] = DIGIT;
for (let c = 65; c <= 90; c++) classes[c] = LETTER;
for (let c = 97; c <= 122; c++) classes[c] = LETTER;
for (const ch of '/:=,()[]{}"\';@#<>|') classes[ch.charCodeAt(0)] = SEPARATOR;

// Characters that can start a shape (see maskShape): / \\ = and quotes.
const shapeChars = new Uint8Array(128);
for (const ch of '/\\="\'') shapeChars[ch.charCodeAt(0)] = 1;

function classOf(c: number): number {
  return c < 128 ? classes[c]! : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexLetter(c: number): boolean {
  return (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const units = new Set([
  'b',
  'byte',
  'bytes',
  'kb',
  'kib',
  'mb',
  'mib',
  'gb',
  'gib',
  'tb',
  'k',
  'm',
  'g',
  'ms',
  'us',
  'ns',
  's',
  'sec',
  'secs',
  'second',
  'seconds',
  'min',
  'mins',
  'minute',
  'minutes',
  'h',
  'hour',
  'hours',
  'day',
  'days',
  '%',
  'kbps',
  'mbps',
  'bps',
  'times',
  'entries',
]);

// True when a unit word follows a number: it belongs to the variable ("512 bytes", "(1.3 KB)").
export function isUnit(token: string): boolean {
  if (!rules.units) return false;
  // The longest unit word is 7 letters; a bracket or punctuation may stand on either side.
  if (token.length > 10) return false;
  let t = token;
  while (t.length && classOf(t.charCodeAt(t.length - 1)) === SEPARATOR) t = t.slice(0, -1);
  while (t.length && classOf(t.charCodeAt(0)) === SEPARATOR) t = t.slice(1);
  return t.length > 0 && units.has(t.toLowerCase());
}

const tlds = new Set([
  'com',
  'net',
  'org',
  'edu',
  'gov',
  'io',
  'hk',
  'cn',
  'de',
  'uk',
  'jp',
  'fr',
  'ru',
  'nl',
  'local',
  'lan',
  'home',
  'internal',
  'arpa',
  'info',
  'biz',
  'co',
  'us',
  'eu',
]);

// A host name: lower-case labels joined by dots, ending in a top-level domain (proxy.cse.cuhk.edu.hk).
function isHostName(s: string, from: number, to: number): boolean {
  if (!rules.hostNames) return false;
  const dot = s.lastIndexOf('.', to - 1);
  if (dot <= from || dot >= to - 1 || to - dot > 9) return false;
  const first = s.charCodeAt(dot + 1);
  if (first < 97 || first > 122 || !tlds.has(s.slice(dot + 1, to))) return false;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s.slice(from, to));
}

// Token shapes that are variables as a whole, whatever their characters (each rule names its class):
// - path: absolute (/var/lib/x), home (~/x) or relative (./x, ../x) with two or more segments, or a
//   Windows path (C:\\x, \\\\server\\share);
// - URL: scheme://anything;
// - quoted string: one token in matching single or double quotes ('name', "value");
// - key=value: one pair whose value is a path, URL, quoted string or holds a digit (size=512MB,
//   file=/tmp/x): the key stays, the whole value is one variable (a=1,b=2 is left to the segments).
// Brackets and punctuation around a path, URL or quoted string go with it: (/tmp/x), -> <*>
// Returns undefined when the token has none of these shapes.
export function maskShape(token: string): string | undefined {
  let from = 0;
  let to = token.length;
  while (from < to && isOpener(token.charCodeAt(from))) from++;
  while (to > from && isCloser(token.charCodeAt(to - 1))) to--;
  // A quote is both an opener and a closer: a quoted core is the span between the outer quotes.
  const q = token.charCodeAt(from - 1);
  if (rules.quotedStrings && from > 0 && (q === 34 || q === 39) && token.charCodeAt(to) === q && to > from) {
    return WILDCARD;
  }
  if (to - from < 2) return undefined;
  // Like every variable with only punctuation around it ("(1.35", "[19939]:"), the token is one <*>.
  if (isPathOrUrl(token, from, to)) return WILDCARD;
  const eq = token.indexOf('=', from);
  if (rules.keyValue && eq > from && eq < to - 1 && token.indexOf('=', eq + 1) < 0 && isKey(token, from, eq)) {
    let v = eq + 1;
    while (v < to && isOpener(token.charCodeAt(v))) v++;
    const vq = token.charCodeAt(eq + 1);
    const quoted = rules.quotedStrings && (vq === 34 || vq === 39) && token.charCodeAt(token.length - 1) === vq;
    if (quoted) return `${token.slice(0, eq + 1)}${WILDCARD}`;
    if (v < to && (isPathOrUrl(token, v, to) || hasDigit(token, v, to))) return `${token.slice(0, eq + 1)}${WILDCARD}${token.slice(to)}`;
  }
  return undefined;
}

// ( [ { < and quotes before a value.
function isOpener(c: number): boolean {
  return c === 40 || c === 91 || c === 123 || c === 60 || c === 34 || c === 39;
}
// ) ] } > quotes , ; : . ! ? after a value.
function isCloser(c: number): boolean {
  return (
    c === 41 ||
    c === 93 ||
    c === 125 ||
    c === 62 ||
    c === 34 ||
    c === 39 ||
    c === 44 ||
    c === 59 ||
    c === 58 ||
    c === 46 ||
    c === 33 ||
    c === 63
  );
}
function hasDigit(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (isDigit(s.charCodeAt(i))) return true;
  return false;
}
// A key: letters, digits, _ . - (starting with a letter).
function isKey(s: string, from: number, to: number): boolean {
  if (classOf(s.charCodeAt(from)) !== LETTER) return false;
  for (let i = from + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    const cls = classOf(c);
    if (cls !== LETTER && cls !== DIGIT && c !== 95 && c !== 46 && c !== 45) return false;
  }
  return true;
}
// Paths (two or more segments) and URLs, as described above maskShape.
export function isPathOrUrl(s: string, from: number, to: number): boolean {
  const c0 = s.charCodeAt(from);
  const c1 = s.charCodeAt(from + 1);
  if (rules.paths && isPath(s, from, to, c0, c1)) return true;
  if (!rules.urls) return false;
  const scheme = s.indexOf('://', from);
  if (scheme > from && scheme < to - 3) {
    for (let i = from; i < scheme; i++) {
      const c = s.charCodeAt(i);
      if (classOf(c) !== LETTER && c !== 43 && c !== 45 && c !== 46 && !(i > from && isDigit(c))) return false;
    }
    return true;
  }
  return false;
}
function isPath(s: string, from: number, to: number, c0: number, c1: number): boolean {
  if (c0 === 47) {
    // /a/b: a second slash after a non-empty first segment (a lone "/" or "//" is not a path).
    const next = s.indexOf('/', from + 1);
    return next > from + 1 && next < to - 1;
  }
  if (c0 === 126 && c1 === 47) return to - from > 2; // ~/x
  if (c0 === 46 && (c1 === 47 || (c1 === 46 && s.charCodeAt(from + 2) === 47))) return to - from > 3; // ./x ../x
  if (c0 === 92 && c1 === 92) return to - from > 3; // \\server\share
  return c1 === 58 && s.charCodeAt(from + 2) === 92 && classOf(c0) === LETTER; // C:\x
}

// Characters that can start a shape: / \\ ~ . = quotes, and a drive letter's colon.
function mayHaveShape(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 47 || c === 92 || c === 61 || c === 34 || c === 39) return true;
  }
  return false;
}

// A token without digits: a variable only as an id, a host name, an empty value or a date word.
export function maskWord(token: string): string {
  const n = token.length;
  if (n >= 3 && mayHaveShape(token)) {
    const shaped = maskShape(token);
    if (shaped !== undefined) return shaped;
  }
  // Each check only where it can apply: the hot path is a plain word of another length without a dot.
  if (n === 3 && rules.dateWords && dateWords.has(token)) return WILDCARD;
  if (n === 2 && rules.emptyValues && isEmptyValue(token)) return WILDCARD;
  if (n >= 16 && rules.hexIds && looksLikeId(token)) return WILDCARD;
  if (n >= 4 && token.indexOf('.') > 0 && isHostName(token, 0, n)) return WILDCARD;
  return token;
}

// True for text[from, to) like 10.1.2.3:8080 (dots, then one colon, then digits): masked as <*>:<*>.
export function isAddressWithPort(text: string, from: number, to: number): boolean {
  if (!rules.ipPort) return false;
  const colon = text.indexOf(':', from);
  if (colon <= from || colon >= to - 1 || text.indexOf('.', from) < 0 || text.indexOf('.', from) > colon) return false;
  for (let i = colon + 1; i < to; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

// Masks the variable segments of one token; "rhost=10.0.0.1" -> "rhost=<*>", "mice.c(1234)" -> "mice.c(<*>)".
// Returns the token itself when nothing in it is variable.
// A short identifier, not a variable: two or more letters, then one or two digits and nothing after
// (SOCKS5, eth0, md5). `digitAt` is where the first digit stands, `digitRun` how long the rest is.
function isShortIdentifier(letters: number, digitAt: number, digitRun: number, otherAfterDigit: boolean): boolean {
  return rules.shortIdentifiers && letters >= 2 && digitAt === letters && digitRun <= 2 && !otherAfterDigit;
}

export function maskToken(token: string): string {
  let hasDigit = false;
  let hasLetter = false;
  let separators = false;
  let wordLetters = 0;
  let firstDigitAt = -1;
  let otherAfterDigit = false;
  let shape = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const cls = classOf(c);
    if (c < 128 && shapeChars[c] === 1) shape = true;
    if (cls === DIGIT) {
      hasDigit = true;
      if (firstDigitAt < 0) firstDigitAt = i;
    } else {
      if (cls === LETTER) {
        hasLetter = true;
        wordLetters++;
      } else if (cls === SEPARATOR || (c === 46 && token.charCodeAt(i + 1) === 46)) separators = true;
      if (firstDigitAt >= 0) otherAfterDigit = true;
    }
  }
  // Fast path, the common case: digits and punctuation only. An IP address with a port keeps its colon.
  if (hasDigit && !hasLetter) return isAddressWithPort(token, 0, token.length) ? IP_PORT : WILDCARD;
  if (!hasDigit) return maskWord(token);
  if (rules.hexGroups && isHexGroups(token)) return WILDCARD;
  if (shape) {
    const shaped = maskShape(token);
    if (shaped !== undefined) return shaped;
  }
  // One segment (blk_-1608999687919862906, SOCKS5): a variable, unless it is a short identifier.
  if (!separators) {
    return isShortIdentifier(wordLetters, firstDigitAt, token.length - firstDigitAt, otherAfterDigit) ? token : WILDCARD;
  }
  // The segments, first without building the mask: most such tokens (ids, host/address pairs) are one
  // variable as a whole, and only a token with constant letters beside a variable needs its mask written.
  const summary = segments(token, false);
  if (summary === KEEP) return token;
  return summary === CONST_LETTERS ? segments(token, true) : summary;
}

const KEEP = '';
const CONST_LETTERS = '\u0001';
// The segments of a token between separators, each masked when variable. With `build` false it only
// tells the outcome: KEEP (nothing variable), IP_PORT or WILDCARD (no constant letters beside the
// variables), or CONST_LETTERS; with `build` true it writes the mask.
function segments(token: string, build: boolean): string {
  let out = '';
  let variable = false;
  // Letters outside the variables: the token keeps its shape ("rhost=<*>", "blk_<*>").
  let constLetters = false;
  // Where the last variable ends in `out`, and whether only separators came after it.
  let lastVarEnd = -1;
  let sepsSinceVar = false;
  // The pieces so far read <*>:<*> (1 after a variable, 2 after its colon, 3 after the second variable).
  let ipPort = 0;
  let start = 0;
  let digits = 0;
  let letters = 0;
  let firstDigit = -1;
  let digitsThenOther = false;
  let dotsInSegment = 0;
  const n = token.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? token.charCodeAt(i) : -1;
    const cls = c < 0 ? SEPARATOR : classOf(c);
    const dotRun = c === 46 && (token.charCodeAt(i + 1) === 46 || token.charCodeAt(i - 1) === 46);
    if (cls !== SEPARATOR && !dotRun) {
      if (cls === DIGIT) {
        digits++;
        if (firstDigit < 0) firstDigit = i;
      } else {
        if (cls === LETTER) letters++;
        else if (c === 46) dotsInSegment++;
        if (firstDigit >= 0) digitsThenOther = true;
      }
      continue;
    }
    if (i > start) {
      const hostBeforePort = rules.ipPort && c === 58 && i + 1 < n && classOf(token.charCodeAt(i + 1)) === DIGIT;
      // A segment with a digit is variable, except short identifiers.
      const identifier = isShortIdentifier(letters, firstDigit - start, i - firstDigit, digitsThenOther);
      const segVariable =
        hostBeforePort || (digits > 0 && !identifier) || (dotsInSegment > 0 && letters > 0 && isHostName(token, start, i));
      if (segVariable) {
        ipPort = ipPort === 0 || ipPort === 2 ? ipPort + 1 : -1;
        // A list of values (1##2##3, 4:5:6 after a key) is one variable: separators between two
        // variables go with them.
        if (build) {
          if (rules.valueLists && constLetters && lastVarEnd >= 0 && sepsSinceVar) out = out.slice(0, lastVarEnd);
          else out += WILDCARD;
          lastVarEnd = out.length;
          sepsSinceVar = true;
        }
        variable = true;
      } else {
        ipPort = -1;
        if (build) {
          out += token.slice(start, i);
          if (sepsSinceVar && !onlySeparators(token, start, i)) sepsSinceVar = false;
        }
        if (letters > 0) constLetters = true;
      }
    }
    if (c >= 0) {
      ipPort = ipPort === 1 && c === 58 ? 2 : -1;
      if (build) out += token[i];
    }
    start = i + 1;
    digits = 0;
    letters = 0;
    firstDigit = -1;
    digitsThenOther = false;
    dotsInSegment = 0;
  }
  if (!variable) return KEEP;
  if (build) return out;
  // An address with a port stays <*>:<*>; "-12", "(1.35", "#4" and "<1" are one wildcard.
  return constLetters ? CONST_LETTERS : ipPort === 3 && rules.ipPort ? IP_PORT : WILDCARD;
}
// Hex groups joined by ':' or '-' (a MAC address 00:1A:2B:3C:4D:5E, IPv6 fe80::1, a key fingerprint):
// two or more separators, every group 1-4 hex characters, at least one digit.
export function isHexGroups(token: string): boolean {
  let separators = 0;
  let run = 0;
  let digit = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 58 || c === 45) {
      separators++;
      run = 0;
    } else if (isDigit(c)) {
      digit = true;
      if (++run > 4) return false;
    } else if (isHexLetter(c)) {
      if (++run > 4) return false;
    } else return false;
  }
  return digit && separators >= 2;
}

function onlySeparators(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (classOf(c) !== SEPARATOR && c !== 46 && c !== 45 && c !== 95) return false;
  }
  return true;
}

// Month and weekday names are parts of timestamps.
const dateWords = new Set([
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
  'Mon',
  'Tue',
  'Wed',
  'Thu',
  'Fri',
  'Sat',
  'Sun',
]);

// An UPPER_CASE word (an enum value, a protocol): two different ones are different templates.
export function isEnumWord(token: string): boolean {
  if (token.length < 2) return false;
  let letters = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 65 && c <= 90) letters++;
    else if (!(c === 95 || isDigit(c))) return false;
  }
  return letters >= 2;
}

// An empty value in brackets or quotes: "()", "[]", '""' stand where a value usually is.
function isEmptyValue(token: string): boolean {
  return token === '()' || token === '[]' || token === '""' || token === "''" || token === '{}' || token === '<>';
}

// Long hex-only strings without digits are rare but real ("deadbeefcafe"); so are base64-ish ids.
function looksLikeId(token: string): boolean {
  if (token.length < 16) return false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (!isHexLetter(c) && !isDigit(c)) return false;
  }
  return true;
}
