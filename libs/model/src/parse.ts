// Parse -> issues: runs a zod schema and turns its complaints into file + dotted path + fix.
import type { z } from 'zod';
import type { ConfigIssue } from './errors.ts';

export type ParseResult<T> = { ok: true; value: T; issues: [] } | { ok: false; issues: ConfigIssue[] };

// Validates `value` against `schema`; issues name `file` and the dotted path of each bad field.
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, file: string, prefix = ''): ParseResult<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data, issues: [] };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toIssues(issue, file, prefix)) };
}

function toIssues(issue: z.core.$ZodIssue, file: string, prefix: string): ConfigIssue[] {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      path: path ? `${path}.${key}` : key,
      message: `unknown field "${key}"`,
      hint: 'remove it, or check its spelling against the schema in libs/model',
    }));
  }
  return [{ file, path, message: issue.message, hint: hintFor(issue) }];
}

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined ? `add this required field (${issue.expected})` : `give a value of type ${issue.expected}`;
    case 'invalid_union':
      return 'check the allowed shapes of this field in libs/model';
    default:
      return undefined;
  }
}
