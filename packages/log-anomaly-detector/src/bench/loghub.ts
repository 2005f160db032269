// Reads a LogHub-2k-style data set folder: <S>/<S>_2k.log_structured_corrected.csv (Content, EventTemplate).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabelledLine {
  content: string;
  template: string;
}

export interface DataSet {
  name: string;
  lines: LabelledLine[];
}

// RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes. Fields are slices of the
// text (as lines read from a file are), not strings built a character at a time.
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    let field: string;
    if (text[i] === '"') {
      field = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`CSV: a quoted field opened at character ${from - 1} is not closed`);
        if (text[q + 1] === '"') {
          field += text.slice(from, q + 1);
          i = from = q + 2;
        } else {
          field += text.slice(from, q);
          i = q + 1;
          break;
        }
      }
    } else {
      const from = i;
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
      field = text.slice(from, i);
    }
    row.push(field);
    if (i >= n) {
      if (row.length > 1 || row[0] !== '') rows.push(row);
      return rows;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    // End of the row: \n, \r or \r\n.
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    i++;
    rows.push(row);
    row = [];
    if (i >= n) return rows;
  }
}

export function loadDataSet(dir: string, name: string): DataSet {
  const rows = parseCsv(readFileSync(join(dir, name, `${name}_2k.log_structured_corrected.csv`), 'utf8'));
  const header = rows[0] ?? [];
  const content = header.indexOf('Content');
  const template = header.indexOf('EventTemplate');
  if (content < 0 || template < 0) throw new Error(`${name}: the CSV has no Content/EventTemplate columns`);
  return {
    name,
    lines: rows
      .slice(1)
      .filter((r) => r.length > template)
      .map((r) => ({ content: r[content]!, template: r[template]! })),
  };
}

export function listDataSets(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, `${n}_2k.log_structured_corrected.csv`)))
    .sort();
}
