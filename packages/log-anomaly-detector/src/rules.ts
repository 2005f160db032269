// The default rules: what a homelab operator wants to hear about, matched on every line whatever the
// source. Each pattern is written against the documented line formats of the program that logs it
// (the Linux kernel, ZFS's zed, the NVIDIA driver, CUDA, OpenSSH, Docker, MariaDB, PostgreSQL,
// OpenSSL/Go TLS); tests in rules.test.ts. LAD_RULES adds a file of rules; LAD_DEFAULT_RULES=0 drops these.
import type { PatternRule } from './detect/types.ts';

const rules: PatternRule[] = [
  {
    // Kernel OOM killer (global or cgroup), Docker's oom event and OOMKilled state.
    name: 'oom-kill',
    pattern: String.raw`Out of memory: Kill(ed)? process|Memory cgroup out of memory|oom-kill:|oom_reaper: reaped process|container oom [0-9a-f]+ |"OOMKilled":\s*true`,
    severity: 'critical',
  },
  {
    // Block-layer and file-system I/O errors, failing ATA commands, SMART pending/uncorrectable sectors.
    name: 'disk-error',
    pattern: String.raw`I/O error, dev \S+, sector|Buffer I/O error on dev|EXT4-fs error|XFS \(\S+\): .*(I/O error|metadata corruption)|BTRFS (error|critical)|ata\d+(\.\d+)?: failed command|Medium Error|(Currently unreadable|Offline uncorrectable) \(?\w*\)? ?sectors`,
    severity: 'critical',
  },
  {
    // A file system that is full: the writes that fail.
    name: 'disk-full',
    pattern: 'No space left on device|ENOSPC|[Dd]isk quota exceeded',
    severity: 'critical',
  },
  {
    // ZFS: zed events of errors, pools degraded, faulted or suspended, zio errors from the kernel module.
    name: 'zfs-error',
    pattern: String.raw`class=(checksum|io|data|deadman|vdev\.(bad_label|corrupt_data|no_replicas|open_failed))\b|zio pool=\S+ .*error=\d+|[Pp]ool '\S+' has encountered an uncorrectable|state (changed to|is) (DEGRADED|FAULTED|UNAVAIL|SUSPENDED)|ZFS: .*(DEGRADED|FAULTED|SUSPENDED)`,
    severity: 'critical',
  },
  {
    // NVIDIA driver Xid errors (NVRM: Xid (PCI:...): 79, ...).
    name: 'gpu-xid',
    pattern: String.raw`NVRM: Xid \(`,
    severity: 'critical',
  },
  {
    // CUDA runtime/driver errors as the runtime, cuBLAS and PyTorch print them.
    name: 'cuda-error',
    pattern: String.raw`CUDA (error|out of memory)|\bcudaError[A-Z]\w+|\bCUDA_ERROR_[A-Z_]+|\bCUBLAS_STATUS_(?!SUCCESS)[A-Z_]+|OutOfMemoryError: CUDA`,
    severity: 'warning',
  },
  {
    // OpenSSH failed logins: wrong password or key, unknown user, too many attempts.
    name: 'ssh-failed-login',
    pattern: String.raw`Failed (password|publickey|keyboard-interactive/pam|none) for |Invalid user \S* ?from |maximum authentication attempts exceeded|pam_unix\(sshd:auth\): authentication failure`,
    severity: 'warning',
  },
  {
    // A container dying with an error and being restarted: docker events, dockerd, Kubernetes back-off.
    name: 'container-restart-loop',
    pattern: String.raw`container die [0-9a-f]+ \(exitCode=[1-9]|Back-off restarting failed container|CrashLoopBackOff|container \S+ is restarting|restart count \d{2,}`,
    severity: 'warning',
  },
  {
    // TLS certificate problems, as Go (x509), OpenSSL, nginx and Python report them.
    name: 'certificate-error',
    pattern: String.raw`x509: certificate|certificate (has expired|verify failed|is not yet valid)|CERTIFICATE_VERIFY_FAILED|SSL_do_handshake\(\) failed|unable to get local issuer certificate|self[- ]signed certificate in certificate chain|SSL certificate problem`,
    severity: 'warning',
  },
  {
    // Databases refusing or losing connections: MariaDB/MySQL and PostgreSQL servers, and their clients.
    name: 'database-connection-failure',
    pattern: String.raw`Access denied for user '[^']*'@|password authentication failed for user|no pg_hba\.conf entry for|too many (connections|clients)|Can't connect to (MySQL|MariaDB) server|could not connect to server|connection to server at .* failed|SQLSTATE\[(HY000|08\d{3})\]|connect ECONNREFUSED \S+:(3306|5432)\b`,
    severity: 'warning',
  },
];

export function defaultRules(): PatternRule[] {
  return rules.map((r) => ({ ...r }));
}
