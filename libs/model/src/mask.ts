// Secret values never leave the process in clear: every text we print goes through a mask.
export const maskText = '********';

// Replaces each secret value (longest first) with the mask.
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  const values = [...new Set(secrets)].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.split(value).join(maskText);
  return out;
}
