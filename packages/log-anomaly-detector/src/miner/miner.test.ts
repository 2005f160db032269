import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataSet } from '../bench/loghub.ts';
import { blockStoreLog } from '../detect/synthetic-log.ts';
import { maskLine, type Template, TemplateMiner } from './drain.ts';
import { isUnit, maskToken, WILDCARD } from './tokens.ts';

describe('masking (one configuration for every source)', () => {
  it.each([
    ['12345', WILDCARD],
    ['-3.5e10', WILDCARD],
    ['0x7fffd3a0', WILDCARD],
    ['10.251.73.220:50010', '<*>:<*>'],
    ['proxy.cse.cuhk.edu.hk:5070', '<*>:<*>'],
    ['/10.251.73.220', WILDCARD],
    ['rhost=218.188.2.4', 'rhost=<*>'],
    ['mice.c(1234)', 'mice.c(<*>)'],
    ['[19939]:', WILDCARD],
    ['blk_-6952295868487656571', WILDCARD],
    ['550e8400-e29b-41d4-a716-446655440000', WILDCARD],
    ['deadbeefcafebabe0123', WILDCARD],
    ['00:01', WILDCARD],
    ['(1.35', WILDCARD],
    ['Jul', WILDCARD],
    ['www.example.com', WILDCARD],
    ['()', WILDCARD],
    ['SOCKS5', 'SOCKS5'],
    ['eth0', 'eth0'],
    ['terminating', 'terminating'],
    ['mice.c', 'mice.c'],
    ['org.apache.hadoop.mapreduce.JobHistory', 'org.apache.hadoop.mapreduce.JobHistory'],
  ])('%s -> %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  // Each token class the masking handles, on invented lines of no particular product.
  it.each([
    // paths: absolute, home, relative, Windows; brackets and punctuation around go with them
    ['/var/lib/docker/volumes/app/_data', WILDCARD],
    ['~/backups/db.sql', WILDCARD],
    ['./scripts/run.sh', WILDCARD],
    ['C:\\Users\\admin\\report.docx', WILDCARD],
    ['\\\\nas\\media', WILDCARD],
    ['(/etc/app/app.conf),', WILDCARD],
    ['/', '/'],
    ['/health', '/health'],
    ['and/or', 'and/or'],
    // URLs
    ['https://example.org/api/items?page=2', WILDCARD],
    ['s3://bucket/key', WILDCARD],
    // quoted strings
    ["'nightly-backup'", WILDCARD],
    ['"primary",', WILDCARD],
    // key=value: the value is one variable when it holds a digit or is a path, URL or quoted string
    ['size=512MB', 'size=<*>'],
    ['file=/tmp/upload.bin', 'file=<*>'],
    ['name="db"', 'name=<*>'],
    ['elapsed=1.5s,', 'elapsed=<*>,'],
    ['mode=fast', 'mode=fast'],
    ['a=1,b=2', 'a=<*>,b=<*>'],
    // hex groups: MAC addresses, IPv6
    ['00:1a:2b:3c:4d:5e', WILDCARD],
    ['fe80::1ff:fe23:4567:890a', WILDCARD],
    ['dead-beef', 'dead-beef'],
    // a list of values after a constant is one variable
    ['ids[4,17,23]', 'ids[<*>]'],
    // numbers with units, durations, timestamps
    ['512MB', WILDCARD],
    ['250ms', WILDCARD],
    ['2026-11-26T10:00:01.123Z', WILDCARD],
  ])('token class: %s -> %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  it('a unit after a number is part of the variable', () => {
    expect(maskLine('sent 512 bytes (0.50 KB) in 3 sec')).toEqual([
      'sent',
      WILDCARD,
      WILDCARD,
      WILDCARD,
      WILDCARD,
      'in',
      WILDCARD,
      WILDCARD,
    ]);
  });
});

describe('template miner', () => {
  it('groups lines of one template whatever the length of their variables', () => {
    const m = new TemplateMiner();
    const a = m.add('proxy.example.com:5070 close, 0 bytes sent, 0 bytes received, lifetime <1 sec').template;
    const b = m.add('proxy.example.com:5070 close, 1385 bytes (1.35 KB) sent, 6283 bytes (6.13 KB) received, lifetime 00:01').template;
    expect(b.id).toBe(a.id);
    expect(m.add('PacketResponder 1 for block blk_38865049064139660 terminating').template.text).toBe(
      'PacketResponder <*> for block <*> terminating',
    );
  });

  it('turns a differing word into a variable once it has taken three values, but keeps enum values apart', () => {
    const m = new TemplateMiner();
    const root = m.add('session opened for user root by (uid=0)').template;
    // Two words in one place are kept apart (start/stop, bytes/values are usually different events) ...
    const news = m.add('session opened for user news by (uid=9)');
    expect(news.template.id).not.toBe(root.id);
    expect(news.created).toBe(true);
    // ... a third makes the place a variable: the three are one template from then on.
    const mail = m.add('session opened for user mail by (uid=8)');
    expect(mail.template.id).toBe(root.id);
    expect(mail.template.text).toBe('session opened for user <*> by (uid=<*>)');
    expect(m.resolve(news.template).id).toBe(root.id);
    expect(m.add('session opened for user news by (uid=9)').template.id).toBe(root.id);
    expect(m.size).toBe(1);
    const two = new TemplateMiner({ variants: 2 });
    two.add('session opened for user root by (uid=0)');
    expect(two.add('session opened for user news by (uid=9)').template.text).toBe('session opened for user <*> by (uid=<*>)');
    const https = m.add('10.0.0.1:443 open through proxy 10.0.0.2:5070 HTTPS').template;
    const socks = m.add('10.0.0.1:443 open through proxy 10.0.0.2:5070 SOCKS5').template;
    expect(socks.id).not.toBe(https.id);
  });

  it('templates that come to read the same are one', () => {
    const m = new TemplateMiner();
    // A word in one, a variable in the other: different constants, different buckets ...
    const word = m.add('mount of volume alpha failed at /mnt/a').template;
    const other = m.add('mount of volume 42 failed at /mnt/b').template;
    expect(other.id).not.toBe(word.id);
    // ... until the word's place has taken three values and reads <*> too.
    m.add('mount of volume beta failed at /mnt/a');
    m.add('mount of volume gamma failed at /mnt/a');
    expect(m.resolve(other).id).toBe(m.resolve(word).id);
    expect(m.templates().map((t) => t.text)).toEqual(['mount of volume <*> failed at <*>']);
  });

  it('masks the same through a full mask cache (its slots overwritten many times over)', () => {
    const m = new TemplateMiner({ maxTemplates: 10 });
    const line = 'worker eth0 finished job alpha in 12 ms';
    const before = m.add(line).template.text;
    // Far more distinct constant words than the cache has slots.
    for (let i = 0; i < 100_000; i++) m.add(`w${i.toString(36).replace(/\d/g, 'q')}x done`);
    expect(before).toBe('worker eth0 finished job alpha in <*> <*>');
    expect(m.add(line).template.text).toBe(before);
    expect(maskLine('unit eth0 took 5 ms')).toEqual(['unit', 'eth0', 'took', WILDCARD, WILDCARD]);
  });

  // Formats of no LogHub set, written here: each generator is one event with varying values.
  it('groups invented formats: sshd, logfmt, Windows paths, URLs, MAC addresses, user names', () => {
    const users = ['admin', 'oracle', 'test', 'guest', 'ubuntu', 'pi', 'git', 'postgres'];
    const events: Array<(i: number) => string> = [
      (i) => `Invalid user ${users[i % users.length]} from 203.0.113.${i % 250} port ${40000 + i}`,
      (i) => `Accepted publickey for ${users[i % 3]} from 192.168.1.${i % 250} port ${50000 + i} ssh2: ED25519 SHA256:Zm9v${i}YmFy`,
      (i) => `level=info msg="request done" method=GET path=/api/v1/items/${i} status=200 took=${i % 90}.${i % 10}ms`,
      (i) => `Loading driver C:\\Windows\\System32\\drivers\\drv${i}.sys (size ${i * 512} bytes)`,
      (i) => `fetching https://mirror.example.org/debian/pool/main/p${i}/pkg_${i}.deb into /var/cache/apt/archives/partial`,
      (i) =>
        `wlan0: associated with ${(0x100000 + i)
          .toString(16)
          .padStart(12, '0')
          .replace(/(..)(?!$)/g, '$1:')} on channel ${1 + (i % 11)}`,
      (i) => `backup job 'nightly-${i}' finished: ${i % 7} files changed, ${i * 3} MiB written in ${i % 60} s`,
    ];
    const m = new TemplateMiner();
    const mined = events.map(() => [] as Template[]);
    for (let i = 0; i < 40; i++) for (const [k, e] of events.entries()) mined[k]!.push(m.add(e(i)).template);
    // Each event is one template (the first lines of a word's place absorbed later), no two share one.
    const groups = mined.map((ts) => new Set(ts.map((t) => m.resolve(t).id)));
    expect(groups.map((g) => g.size)).toEqual(events.map(() => 1));
    expect(new Set(groups.map((g) => [...g][0])).size).toBe(events.length);
    expect(m.templates().map((t) => t.text)).toEqual([
      'Invalid user <*> from <*> port <*>',
      // ED25519 (five digits) and the fingerprint are variables; so is a unit after a number (MiB).
      'Accepted publickey for <*> from <*> port <*> ssh2: <*> <*>:<*>',
      'level=info msg="request done" method=GET path=<*> status=<*> took=<*>',
      'Loading driver <*> (size <*> <*>',
      'fetching <*> into <*>',
      'wlan0: associated with <*> on channel <*>',
      'backup job <*> finished: <*> files changed, <*> <*> written in <*> <*>',
    ]);
  });

  it('reports created templates and counts', () => {
    const m = new TemplateMiner();
    expect(m.add('disk full on sda1').created).toBe(true);
    expect(m.add('disk full on sda1').created).toBe(false);
    expect(m.templates()).toEqual([expect.objectContaining({ text: 'disk full on sda1', count: 2 })]);
  });

  it('bounds memory: least recently used templates are evicted, long lines are cut', () => {
    const m = new TemplateMiner({ maxTemplates: 3, maxLineLength: 20 });
    m.add('alpha one two');
    m.add('beta one two three four');
    m.add('alpha one two');
    m.add('gamma x');
    m.add('delta y z');
    expect(m.size).toBe(3);
    expect(m.evicted).toBe(1);
    expect(m.templates().map((t) => t.text)).toEqual(['alpha one two', 'gamma x', 'delta y z']);
    expect(m.add(`${'x'.repeat(30)} tail`).template.text).toBe('x'.repeat(20));
  });
});

// The miner's one tokenizer (with its no-copy path for digit-and-punctuation tokens) against the plain
// reading of the masking rules: split on whitespace, maskToken every token, a unit after a variable is
// part of it. Over the LogHub sets where they are beside the repository, and always over a generated log.
describe('one tokenizer: the fast path masks exactly as the rules do', () => {
  const reference = (text: string): string[] => {
    const out: string[] = [];
    let prevVar = false;
    for (const t of text.split(/[ \t\n\r\f\v]+/)) {
      if (t === '') continue;
      let m = maskToken(t);
      if (m !== WILDCARD && prevVar && isUnit(t)) m = WILDCARD;
      out.push(m);
      prevVar = m === WILDCARD;
    }
    return out;
  };
  const differing = (lines: string[]) => lines.filter((l) => maskLine(l).join(' ') !== reference(l).join(' '));

  it('on a generated block-store log and on invented lines of other formats', () => {
    const invented = [
      'GET /api/v1/users/42?page=3 200 12ms',
      'conn 10.0.0.7:5432 closed after 3.5 s',
      'id=0x7f3a user="bob" took 250 ms',
      '\tindented  and  double  spaced  7 ',
    ];
    const lines = [...blockStoreLog(2000), ...invented];
    expect(differing(lines)).toEqual([]);
    expect(lines.length).toBeGreaterThan(2000);
  });

  const loghub = new URL('../../../../../shared/loghub', import.meta.url).pathname;
  it.runIf(existsSync(loghub))('on every line of the LogHub sets beside the repository', () => {
    let count = 0;
    for (const name of readdirSync(loghub).filter((n) => existsSync(join(loghub, n, `${n}_2k.log_structured_corrected.csv`)))) {
      const lines = loadDataSet(loghub, name).lines.map((l) => l.content);
      count += lines.length;
      expect(differing(lines), name).toEqual([]);
    }
    expect(count).toBeGreaterThanOrEqual(16_000);
  });
});

// Two invented lines of one event: the second joins the first's template.
const sameTemplate = (first: string, second: string) => {
  const miner = new TemplateMiner();
  const a = miner.add(first).template;
  expect(miner.resolve(miner.add(second).template).id).toBe(miner.resolve(a).id);
  return miner.resolve(a);
};

describe('one template for lines of one event', () => {
  it('any ASCII whitespace separates tokens, as in maskLine: tabs, carriage returns and runs of spaces', () => {
    const t = sameTemplate('worker  7\tstarted in 12 ms', 'worker 9 started\tin 3\r\fms');
    expect(t.text).toBe(maskLine('worker  7\tstarted in 12 ms').join(' '));
  });

  it.each([
    // An empty value stands where a value is: "()" is the printf output of "(%s)" with an empty string.
    ['emptyValues', 'mount request from 10.0.0.5 (nas01.lan) accepted', 'mount request from 10.0.0.6 () accepted'],
    // host:port: a name before a port is a variable even when it is no known host name.
    ['ipPort', 'relay to mail.example.org:25 opened', 'relay to backup-target.corp:8443 opened'],
  ])('%s: %s / %s', (_rule, first, second) => {
    sameTemplate(first, second);
  });
});

describe('rule switches (ablation bench only)', () => {
  it('host:port masks keep the colon', () => {
    expect(maskToken('db-primary:5432')).toBe('<*>:<*>');
  });

  it('withRules switches rules off only for its call, then every rule is on again', async () => {
    const { withRules, switchable } = await import('../bench/ablate.ts');
    const { rules } = await import('./tokens.ts');
    expect(withRules(new Set(switchable.filter((r) => r !== 'paths')), () => maskToken('/var/lib/app'))).toBe('/var/lib/app');
    expect(maskToken('/var/lib/app')).toBe(WILDCARD);
    expect(Object.values(rules).every((on) => on)).toBe(true);
  });
});
