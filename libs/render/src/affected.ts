// Pure: which services' releases differ between two revisions of the repository, and why.
import type { ReleaseFingerprint } from './fingerprint.ts';

/** A release as one revision renders it, with its secrets' stored (encrypted) values by name. */
export interface SnapshotRelease extends ReleaseFingerprint {
  /** Secret name -> its stored form (an ansible-vault envelope); `*` for a file encrypted as a whole. */
  secretValues: Record<string, string>;
}

/** Every service of one revision, as seen from one inventory. */
export interface RevisionSnapshot {
  inventory: string;
  /** The services deployed in this inventory. */
  releases: Record<string, SnapshotRelease>;
  /** Services of the repository that this inventory does not deploy, and why. */
  notDeployed: Record<string, string>;
  /** Services that fail to load, with the error. */
  broken: Record<string, string>;
  /** Set when the revision could not be read at all (then every service of the other side is new). */
  unreadable?: string;
}

export interface AffectedService {
  service: string;
  host: string;
  reasons: string[];
}

export interface AffectedSet {
  inventory: string;
  /** Services whose release on their host changes: what a deploy of the head revision changes. */
  affected: AffectedService[];
  /** Services deployed at base that head no longer deploys in this inventory (nothing removes them by itself). */
  removed: Array<{ service: string; host: string; why: string }>;
  /** Services that fail to load at head: the set cannot be known for them. */
  broken: Array<{ service: string; message: string }>;
}

/**
 * Whether a secret's value is the same at both revisions, given its two stored forms (which differ
 * whenever it was re-encrypted): true or false when it could be decrypted, undefined when not.
 */
export type SameSecret = (service: string, name: string, base: string, head: string) => boolean | undefined;

function partReasons(base: SnapshotRelease, head: SnapshotRelease): string[] {
  const reasons: string[] = [];
  const images = new Set([...Object.keys(base.images), ...Object.keys(head.images)]);
  const imageChanged = [...images].filter((c) => base.images[c] !== head.images[c]);
  for (const c of imageChanged) reasons.push(`image of ${c}: ${base.images[c] ?? '(none)'} -> ${head.images[c] ?? '(removed)'}`);
  if (base.host !== head.host) reasons.push(`moved from host ${base.host} to ${head.host}`);
  const names = new Set([...Object.keys(base.parts), ...Object.keys(head.parts)]);
  for (const part of [...names].sort()) {
    const [a, b] = [base.parts[part], head.parts[part]];
    if (a === b) continue;
    if (part === 'placement' && base.host !== head.host) continue;
    if (part === 'secret names') {
      const added = head.secrets.filter((n) => !base.secrets.includes(n));
      const gone = base.secrets.filter((n) => !head.secrets.includes(n));
      reasons.push(`secrets ${[...added.map((n) => `+${n}`), ...gone.map((n) => `-${n}`)].join(' ')}`);
    } else if (a === undefined) reasons.push(`${part} added`);
    else if (b === undefined) reasons.push(`${part} removed`);
    else reasons.push(part === 'placement' ? `host ${head.host} is reached differently (address, ssh, deploy root)` : `${part} changed`);
  }
  return reasons;
}

function secretReasons(base: SnapshotRelease, head: SnapshotRelease, same: SameSecret): string[] {
  const reasons: string[] = [];
  for (const name of Object.keys(head.secretValues).sort()) {
    const [a, b] = [base.secretValues[name], head.secretValues[name]];
    if (a === undefined || a === b) continue;
    const verdict = same(head.service, name, a, b!);
    if (verdict === false) reasons.push(name === '*' ? 'secret values changed' : `secret ${name} changed`);
    else if (verdict === undefined)
      reasons.push(`secret ${name === '*' ? 'file' : name} re-encrypted or changed (no vault password to compare the values)`);
  }
  for (const name of Object.keys(base.secretValues))
    if (!(name in head.secretValues) && head.secrets.includes(name)) reasons.push(`secret ${name} no longer has a value`);
  return reasons;
}

// The services whose release differs between `base` and `head` (both read for the same inventory).
export function compareSnapshots(base: RevisionSnapshot, head: RevisionSnapshot, same: SameSecret): AffectedSet {
  const affected: AffectedService[] = [];
  for (const [name, release] of Object.entries(head.releases).sort(([a], [b]) => a.localeCompare(b))) {
    const before = base.releases[name];
    let reasons: string[];
    if (!before) {
      const why = base.unreadable
        ? `the base revision could not be read (${base.unreadable})`
        : base.broken[name]
          ? `could not be loaded at base (${base.broken[name]})`
          : base.notDeployed[name]
            ? `not deployed at base (${base.notDeployed[name]})`
            : 'new service';
      reasons = [`new in inventory ${head.inventory}: ${why}`];
    } else reasons = [...partReasons(before, release), ...secretReasons(before, release, same)];
    if (reasons.length) affected.push({ service: name, host: release.host, reasons });
  }
  const removed = Object.entries(base.releases)
    .filter(([name]) => !head.releases[name] && !head.broken[name])
    .map(([name, r]) => ({ service: name, host: r.host, why: head.notDeployed[name] ?? 'the package was removed' }));
  const broken = Object.entries(head.broken).map(([service, message]) => ({ service, message }));
  return { inventory: head.inventory, affected, removed, broken };
}
