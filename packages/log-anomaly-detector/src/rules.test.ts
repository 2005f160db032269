// The default homelab rules on lines written in the formats the programs document (kernel, zed, NVIDIA
// driver, CUDA, sshd, docker events, MariaDB, PostgreSQL, TLS libraries): each rule matches its lines and
// no rule matches the ordinary lines of the same programs.
import { describe, expect, it } from 'vitest';
import { configFromEnv } from './app.ts';
import { Detector } from './detect/detector.ts';
import { defaultRules } from './rules.ts';

const rules = defaultRules().map((r) => ({ ...r, re: new RegExp(r.pattern) }));
const matching = (line: string) => rules.filter((r) => r.re.test(line)).map((r) => r.name);

const cases: Record<string, string[]> = {
  'oom-kill': [
    'Nov 26 03:12:44 ocean kernel: [812345.123456] Out of memory: Killed process 23817 (java) total-vm:8123456kB, anon-rss:6012345kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:12345kB oom_score_adj:0',
    'Nov 26 03:12:44 ocean kernel: [812345.120001] Memory cgroup out of memory: Killed process 4410 (python3) total-vm:2048000kB, anon-rss:1024000kB',
    'Nov 26 03:12:44 ocean kernel: [812345.119000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=docker-1a2b.scope,mems_allowed=0,oom_memcg=/system.slice/docker-1a2b.scope,task=python3,pid=4410,uid=0',
    'Nov 26 03:12:45 ocean kernel: [812345.200000] oom_reaper: reaped process 23817 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB',
    '            "OOMKilled": true,',
    '2026-11-26T03:12:44.000Z container oom 4f3c2b1a0e9d8c7b (image=lab/app:1.0.0, name=app-worker-1)',
  ],
  'disk-error': [
    'Nov 26 04:01:02 ocean kernel: [ 9321.554433] blk_update_request: I/O error, dev sdb, sector 1953525000 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0',
    'Nov 26 04:01:02 ocean kernel: [ 9321.554500] Buffer I/O error on dev sdb1, logical block 244190000, async page read',
    'Nov 26 04:01:03 ocean kernel: [ 9322.000100] EXT4-fs error (device sdb1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0',
    'Nov 26 04:01:04 ocean kernel: [ 9323.100000] XFS (sdc1): metadata I/O error in "xfs_imap_to_bp+0x5d/0x150" at daddr 0x1d1c0 len 32 error 5',
    'Nov 26 04:01:05 ocean kernel: [ 9324.000000] ata3.00: failed command: READ FPDMA QUEUED',
    'Nov 26 04:01:05 ocean kernel: [ 9324.000010] sd 2:0:0:0: [sdb] Sense Key : Medium Error [current]',
    'Nov 26 04:30:00 ocean smartd[812]: Device: /dev/sdb [SAT], 8 Currently unreadable (pending) sectors',
  ],
  'disk-full': [
    '2026-11-26 05:00:01 UTC [2211] ERROR:  could not extend file "base/16384/2619": No space left on device',
    'write /var/lib/docker/overlay2/1a2b/diff/tmp/cache.bin: no space left on device (ENOSPC)',
    "cp: error writing '/mnt/backup/db.dump': No space left on device",
  ],
  'zfs-error': [
    "Nov 26 06:00:00 ocean zed[1544]: eid=412 class=checksum pool='tank' vdev=sdb1 algorithm=fletcher4 size=131072 offset=4096 priority=3 err=52 flags=0x180880 bookmark=54:1:0:12",
    "Nov 26 06:00:01 ocean zed[1544]: eid=413 class=io pool='tank' vdev=sdb1 size=131072 offset=8192 priority=0 err=5 flags=0x180880",
    'Nov 26 06:00:02 ocean kernel: [20001.000000] zio pool=tank vdev=/dev/disk/by-id/ata-WDC_WD80-part1 error=5 type=1 offset=270336 size=8192 flags=b08c1',
    "Nov 26 06:00:03 ocean kernel: [20002.000000] WARNING: Pool 'tank' has encountered an uncorrectable I/O failure and has been suspended.",
    "Nov 26 06:00:04 ocean zed[1544]: eid=414 class=statechange pool='tank' vdev=sdb1 vdev_state=FAULTED; pool state changed to DEGRADED",
  ],
  'gpu-xid': [
    'Nov 26 07:00:00 ocean kernel: [30000.111111] NVRM: Xid (PCI:0000:01:00): 79, pid=2931, name=python3, GPU has fallen off the bus.',
    'Nov 26 07:00:01 ocean kernel: [30001.000000] NVRM: Xid (PCI:0000:01:00): 31, pid=2931, name=llama-server, Ch 00000008, intr 00000000. MMU Fault: ENGINE GRAPHICS GPCCLIENT_T1_0 faulted @ 0x7f12_34560000',
  ],
  'cuda-error': [
    'RuntimeError: CUDA error: an illegal memory access was encountered',
    'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.02 GiB is free.',
    'ggml_cuda_compute_forward: CUDA error: cudaErrorMemoryAllocation',
    'cuBLAS error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasGemmEx`',
    'CUDA driver error: CUDA_ERROR_LAUNCH_FAILED',
  ],
  'ssh-failed-login': [
    'Nov 26 08:00:00 dns01 sshd[4123]: Failed password for invalid user admin from 203.0.113.45 port 51234 ssh2',
    'Nov 26 08:00:02 dns01 sshd[4125]: Failed password for root from 203.0.113.45 port 51240 ssh2',
    'Nov 26 08:00:03 dns01 sshd[4127]: Invalid user oracle from 198.51.100.7 port 40222',
    'Nov 26 08:00:04 dns01 sshd[4129]: Failed publickey for git from 192.0.2.10 port 52000 ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    'Nov 26 08:00:05 dns01 sshd[4131]: error: maximum authentication attempts exceeded for root from 203.0.113.45 port 51250 ssh2 [preauth]',
    'Nov 26 08:00:06 dns01 sshd[4133]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.45  user=root',
  ],
  'container-restart-loop': [
    '2026-11-26T09:00:00.123456789Z container die 4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b (exitCode=1, image=lab/app:1.0.0, name=app-web-1)',
    'Warning  BackOff  12s (x5 over 2m)  kubelet  Back-off restarting failed container web in pod web-5d8f7c9b4-x2x7q_default',
    'web-5d8f7c9b4-x2x7q   0/1     CrashLoopBackOff   6 (30s ago)   5m',
  ],
  'certificate-error': [
    'level=error msg="Post \\"https://registry.example.org/v2/\\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-26T10:00:00Z is after 2026-11-01T00:00:00Z"',
    'Nov 26 10:00:01 ocean nginx[900]: 2026/11/26 10:00:01 [crit] 900#900: *12 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream',
    "requests.exceptions.SSLError: HTTPSConnectionPool(host='cloud.example.org', port=443): Max retries exceeded with url: / (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))",
    'curl: (60) SSL certificate problem: self-signed certificate in certificate chain',
  ],
  'database-connection-failure': [
    "2026-11-26 11:00:00 42 [Warning] Access denied for user 'nextcloud'@'172.18.0.5' (using password: YES)",
    '2026-11-26 11:00:01.234 UTC [3312] FATAL:  password authentication failed for user "grafana"',
    '2026-11-26 11:00:02.345 UTC [3313] FATAL:  no pg_hba.conf entry for host "172.18.0.9", user "app", database "app", no encryption',
    '2026-11-26 11:00:03.456 UTC [3314] FATAL:  sorry, too many clients already',
    "ERROR 2002 (HY000): Can't connect to MySQL server on 'db' (115)",
    'SQLSTATE[HY000] [2002] Connection refused',
    'psql: error: connection to server at "db" (172.18.0.2), port 5432 failed: Connection refused',
    'Error: connect ECONNREFUSED 172.18.0.2:3306',
  ],
};

// Ordinary lines of the same programs: none may raise a rule.
const ordinary = [
  'Nov 26 08:00:10 dns01 sshd[4140]: Accepted publickey for deploy from 192.168.1.20 port 50122 ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  'Nov 26 08:00:11 dns01 sshd[4140]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)',
  'Nov 26 04:00:00 ocean kernel: [ 9300.000000] EXT4-fs (sdb1): mounted filesystem with ordered data mode. Quota mode: none.',
  'Nov 26 04:00:01 ocean kernel: [ 9300.100000] ata3.00: ATA-10: WDC WD80EFAX-68KNBN0, 81.00A81, max UDMA/133',
  "Nov 26 06:10:00 ocean zed[1544]: eid=420 class=scrub_finish pool='tank'",
  "Nov 26 06:10:01 ocean zed[1544]: eid=421 class=config_sync pool='tank'",
  'Nov 26 07:10:00 ocean kernel: [31000.000000] NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.120  Fri Sep 13 10:10:01 UTC 2024',
  '2026-11-26T09:10:00.000000000Z container start 4f3c2b1a0e9d (image=lab/app:1.0.0, name=app-web-1)',
  '2026-11-26T09:10:05.000000000Z container die 4f3c2b1a0e9d (exitCode=0, image=lab/app:1.0.0, name=app-web-1)',
  "2026-11-26 11:10:00 0 [Note] mariadbd: ready for connections. Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12",
  '2026-11-26 11:10:01.000 UTC [1] LOG:  database system is ready to accept connections',
  'Nov 26 10:10:00 ocean nginx[900]: 192.168.1.30 - - [26/Nov/2026:10:10:00 +0000] "GET /health HTTP/1.1" 200 15 "-" "curl/7.88.1"',
  'level=info msg="Certificate obtained successfully" domain=cloud.example.org',
  'Nov 26 12:00:00 ocean CRON[5512]: (root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily)',
];

describe('default homelab rules', () => {
  it.each(Object.entries(cases))('%s matches its lines and only its own', (name, lines) => {
    for (const line of lines) expect(matching(line), line).toEqual([name]);
  });

  it('no rule matches ordinary lines of the same programs', () => {
    for (const line of ordinary) expect(matching(line), line).toEqual([]);
  });

  it('every default rule has lines here', () => {
    expect(Object.keys(cases).sort()).toEqual(
      defaultRules()
        .map((r) => r.name)
        .sort(),
    );
  });

  it('are on in the service by default; LAD_DEFAULT_RULES=0 turns them off', () => {
    expect(configFromEnv({}).rules.map((r) => r.name)).toEqual(defaultRules().map((r) => r.name));
    expect(configFromEnv({ LAD_DEFAULT_RULES: '0' }).rules).toEqual([]);
  });

  it('raise a LogPatternMatch alert through the detector', () => {
    const d = new Detector({ rules: defaultRules() });
    const alerts = d.push({ source: 'journal', line: cases['oom-kill']![0]!, ts: 1_000 });
    expect(alerts).toContainEqual(
      expect.objectContaining({ name: 'LogPatternMatch', severity: 'critical', labels: expect.objectContaining({ rule: 'oom-kill' }) }),
    );
  });
});
