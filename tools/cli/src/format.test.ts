import { describe, expect, it } from 'vitest';
import { formatTable, resultsTable } from './format.ts';

describe('tables', () => {
  it('prints the results table', () => {
    expect(
      resultsTable([
        {
          service: 'plex',
          host: 'ocean',
          result: 'deployed',
          version: '1.2.0',
          seconds: 12.34,
          release: 'r',
          message: undefined,
          plan: undefined,
        },
      ]),
    ).toBe(
      'service  host   result    version  seconds\n-------  -----  --------  -------  -------\nplex     ocean  deployed  1.2.0    12.3',
    );
  });

  it('aligns columns to the widest cell, without trailing spaces', () => {
    expect(
      formatTable([
        ['a', 'bb'],
        ['ccc', 'd'],
        ['e', ''],
      ]),
    ).toBe('a    bb\nccc  d\ne');
  });
});
