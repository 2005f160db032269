// Typed errors shared by every library: one class per failure, each message says what to do next.

/** One problem found in a file: where it is and how to fix it. */
export interface ConfigIssue {
  file: string;
  /** Dotted path inside the file, e.g. `services.plex.image`; empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

// Formats one issue as `file: path: message. Fix: hint`.
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path ? `${issue.file}: ${issue.path}` : issue.file;
  return `${where}: ${issue.message}${issue.hint ? `\n    fix: ${issue.hint}` : ''}`;
}

/** Base class: every error of ours carries a hint about the next step. */
export class HomelabError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\n  fix: ${options.hint}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** A service, compose file or inventory is invalid; nothing was changed anywhere. */
export class ConfigError extends HomelabError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(`${issues.length} configuration problem${issues.length === 1 ? '' : 's'}:\n  ${issues.map(formatIssue).join('\n  ')}`);
    this.issues = issues;
  }
}

/** A command on a host (or locally) failed. */
export class CommandError extends HomelabError {
  readonly host: string;
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  constructor(fields: { host: string; command: string; exitCode: number | undefined; stderr: string; hint?: string; cause?: unknown }) {
    const stderr = fields.stderr.trim();
    super(
      `${fields.host}: \`${fields.command}\` failed${fields.exitCode === undefined ? '' : ` with exit code ${fields.exitCode}`}${stderr ? `: ${lastLines(stderr, 6)}` : ''}`,
      { hint: fields.hint, cause: fields.cause },
    );
    this.host = fields.host;
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.stderr = stderr;
  }
}

/** The tool refuses to reach a production host without explicit consent. */
export class ProductionGuardError extends HomelabError {
  constructor(inventory: string, host: string) {
    super(`refusing to connect to ${host} of inventory "${inventory}": it is marked production`, {
      hint: 'set HOMELAB_ALLOW_PRODUCTION=1 (CI on the homelab runner does) or pass --allow-production',
    });
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length <= count ? text : lines.slice(-count).join('\n');
}
