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

// RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes.
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
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
