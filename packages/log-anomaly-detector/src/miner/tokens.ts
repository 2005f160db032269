// One default way to turn a log message into tokens and tell constants from variables, with no
// per-source rules: numbers, hex, IPs, host:port, paths with digits, UUIDs, durations, sizes and
// key=value pairs are variables; so is a unit word right after a number ("512 bytes", "3 sec").

/** The token standing for a variable in templates. */
export const WILDCARD = '<*>';
const IP_PORT = `${WILDCARD}:${WILDCARD}`;

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
  const dot = s.lastIndexOf('.', to - 1);
  if (dot <= from || dot >= to - 1 || to - dot > 9) return false;
  const first = s.charCodeAt(dot + 1);
  if (first < 97 || first > 122 || !tlds.has(s.slice(dot + 1, to))) return false;
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s.slice(from, to));
}

// A token without digits: a variable only as an id, a host name, an empty value or a date word.
export function maskWord(token: string): string {
  const n = token.length;
  // Each check only where it can apply: the hot path is a plain word of another length without a dot.
  if (n === 3 && dateWords.has(token)) return WILDCARD;
  if (n === 2 && isEmptyValue(token)) return WILDCARD;
  if (n >= 16 && looksLikeId(token)) return WILDCARD;
  if (n >= 4 && token.indexOf('.') > 0 && isHostName(token, 0, n)) return WILDCARD;
  return token;
}

// True for text[from, to) like 10.1.2.3:8080 (dots, then one colon, then digits): masked as <*>:<*>.
export function isAddressWithPort(text: string, from: number, to: number): boolean {
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
  return letters >= 2 && digitAt === letters && digitRun <= 2 && !otherAfterDigit;
}

export function maskToken(token: string): string {
  let hasDigit = false;
  let hasLetter = false;
  let separators = false;
  let wordLetters = 0;
  let firstDigitAt = -1;
  let otherAfterDigit = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const cls = classOf(c);
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
  // One segment (blk_-1608999687919862906, SOCKS5): a variable, unless it is a short identifier.
  if (!separators) {
    return isShortIdentifier(wordLetters, firstDigitAt, token.length - firstDigitAt, otherAfterDigit) ? token : WILDCARD;
  }
  let out = '';
  let variable = false;
  // Letters outside the variables: the token keeps its shape ("rhost=<*>", "blk_<*>").
  let constLetters = false;
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
      const hostBeforePort = c === 58 && i + 1 < n && classOf(token.charCodeAt(i + 1)) === DIGIT;
      // A segment with a digit is variable, except short identifiers.
      const identifier = isShortIdentifier(letters, firstDigit - start, i - firstDigit, digitsThenOther);
      const segVariable =
        hostBeforePort || (digits > 0 && !identifier) || (dotsInSegment > 0 && letters > 0 && isHostName(token, start, i));
      if (segVariable) {
        if (!out.endsWith(WILDCARD)) out += WILDCARD;
        variable = true;
      } else {
        out += token.slice(start, i);
        if (letters > 0) constLetters = true;
      }
    }
    if (c >= 0) out += token[i];
    start = i + 1;
    digits = 0;
    letters = 0;
    firstDigit = -1;
    digitsThenOther = false;
    dotsInSegment = 0;
  }
  if (!variable) return token;
  // An address with a port stays <*>:<*>; "-12", "(1.35", "#4" and "<1" are one wildcard.
  return constLetters ? out : out === IP_PORT ? IP_PORT : WILDCARD;
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
