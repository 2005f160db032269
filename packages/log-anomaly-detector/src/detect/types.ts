// What the detector consumes and what it raises.

export interface LogEvent {
  /** Where the line came from: a file path, a Loki stream's labels, "stdin". */
  source: string;
  line: string;
  /** Milliseconds since the epoch. */
  ts: number;
}

export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Alertmanager's alertname: NewLogTemplate, RareTemplateBurst, TemplateRateSpike, ErrorSurge, LogPatternMatch. */
  name: string;
  severity: Severity;
  source: string;
  summary: string;
  labels: Record<string, string>;
  /** Template and an example line. */
  template?: string;
  example?: string;
  at: number;
  /** Same fingerprint = same alert, deduplicated. */
  fingerprint: string;
}

export interface PatternRule {
  name: string;
  pattern: string;
  severity: Severity;
}
