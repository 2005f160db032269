// The configuration files of a release checked by the real tools of this machine (nginx, named-checkzone,
// promtool, amtool: Debian packages scripts/bootstrap.sh installs).
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalExecutor, type Executor } from '@homelab/host';
import type { ComposeFile, LoadedService } from '@homelab/model';
import { host, service } from '@homelab/model/testing';
import { renderRelease } from '@homelab/render';
import { configToolIssues, fileMounts, localPaths, toolChecks } from './config-tools.ts';

const ocean = host('ocean');
const local = new LocalExecutor({ env: process.env as Record<string, string> });
const nginxCompose: ComposeFile = {
  services: {
    nginx: {
      image: 'nginx:1.27.3-alpine',
      volumes: ['./files/nginx.conf:/etc/nginx/nginx.conf:ro', './files/conf.d:/etc/nginx/conf.d:ro'],
      healthcheck: { test: ['CMD', 'true'] },
    },
  },
};
const nginxConf = 'events {}\nhttp {\n  access_log /dev/stdout;\n  include /etc/nginx/conf.d/*.conf;\n}\n';
const withFiles = (svc: LoadedService, files: Record<string, string>): LoadedService => ({ ...svc, configFiles: files });
const release = (svc: LoadedService) => renderRelease(svc, { host: ocean, images: {} }, {});

describe('toolChecks (pure)', () => {
  it('maps the container paths of ./files mounts to the laid-out release, longest first', () => {
    const compose = release(withFiles(service('nginx', {}, nginxCompose), { 'nginx.conf': nginxConf })).compose;
    expect(fileMounts(compose)).toEqual([
      { target: '/etc/nginx/nginx.conf', source: 'files/nginx.conf' },
      { target: '/etc/nginx/conf.d', source: 'files/conf.d' },
    ]);
    expect(localPaths('include /etc/nginx/conf.d/*.conf;', fileMounts(compose), '/tmp/r')).toBe('include /tmp/r/files/conf.d/*.conf;');
  });

  it('nginx -t for an nginx.conf mount, named-checkzone per db.<zone>, promtool for prometheus.yml, rules and rule tests, amtool for alertmanager.yml', () => {
    const files = {
      'files/nginx.conf': nginxConf,
      'files/db.home': '',
      'files/prometheus.yml': 'rule_files: [/etc/prometheus/rules/*.yml]\n',
      'files/rules/a.yml': '',
      'files/rules-tests/a.test.yml': '',
      'files/alertmanager.yml.tmpl': 'url: __DISCORD_WEBHOOK_URL__\n',
    };
    const compose =
      'services:\n  x:\n    volumes:\n      - ./files/nginx.conf:/etc/nginx/nginx.conf:ro\n      - ./files/prometheus.yml:/etc/prometheus/prometheus.yml:ro\n      - ./files/rules:/etc/prometheus/rules:ro\n';
    const { checks, rewrites } = toolChecks(files, compose, '/r');
    expect(checks.map((c) => c.argv.join(' '))).toEqual([
      'nginx -t -q -e /dev/null -c /r/files/nginx.conf',
      'named-checkzone -q home /r/files/db.home',
      'promtool check config /r/files/prometheus.yml',
      'promtool check rules /r/files/rules/a.yml',
      'promtool test rules /r/files/rules-tests/a.test.yml',
      'amtool check-config /r/files/alertmanager.yml.tmpl.check.yml',
    ]);
    expect(rewrites['files/nginx.conf']).toContain('access_log /dev/null;');
    expect(rewrites['files/prometheus.yml']).toBe('rule_files: [/r/files/rules/*.yml]\n');
    expect(rewrites['files/alertmanager.yml.tmpl.check.yml']).toBe('url: https://placeholder.invalid/secret\n');
  });
});

describe('configToolIssues (the real tools)', () => {
  const nginx = service('nginx', {}, nginxCompose);
  const vhost = 'server {\n  listen 80;\n  server_name a.home;\n  location / { set $u http://a:80; proxy_pass $u; }\n}\n';

  it("a valid nginx configuration with its conf.d passes nginx -t; a broken vhost is an issue with nginx's own words", async () => {
    expect(await configToolIssues(nginx, release(withFiles(nginx, { 'nginx.conf': nginxConf, 'conf.d/a.conf': vhost })), local)).toEqual(
      [],
    );
    const issues = await configToolIssues(
      nginx,
      release(withFiles(nginx, { 'nginx.conf': nginxConf, 'conf.d/a.conf': vhost.replace('listen 80;', 'listen 80') })),
      local,
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe('packages/nginx/files/nginx.conf');
    expect(issues[0]!.message).toBe(
      'nginx -t -q rejects it (exit 1): nginx: [emerg] invalid parameter "server_name" in <release>/files/conf.d/a.conf:3\nnginx: configuration file <release>/files/nginx.conf test failed',
    );
  });

  it('a zone with a bad record fails named-checkzone', async () => {
    const bind = service(
      'bind9',
      {},
      { services: { bind9: { image: 'b:1', volumes: ['./files/db.home:/etc/bind/db.home:ro'], healthcheck: { test: ['CMD', 'true'] } } } },
    );
    const zone = '$TTL 300\n@ IN SOA localhost. admin.terrac.com. ( 1 3600 600 604800 300 )\n  IN NS localhost.\nocean IN A 10.0.0.1\n';
    expect(await configToolIssues(bind, release(withFiles(bind, { 'db.home': zone })), local)).toEqual([]);
    const issues = await configToolIssues(bind, release(withFiles(bind, { 'db.home': `${zone}plex IN A 10.0.0.300\n` })), local);
    expect(issues.map((i) => i.file)).toEqual(['packages/bind9/files/db.home']);
    expect(issues[0]!.message).toContain('named-checkzone -q home rejects it');
  });

  const none: Executor = {
    host: 'local',
    run: async (argv) => ({ exitCode: argv[0] === 'sh' ? 1 : 0, stdout: '', stderr: '' }),
    sh: async () => ({ exitCode: 1, stdout: '', stderr: '' }),
    close: async () => {},
  };

  it('a release every tool accepted is not checked again (kept by its content in the workspace cache); a rejection always is', async () => {
    const root = mkdtempSync(join(tmpdir(), 'homelab-config-tools-'));
    mkdirSync(join(root, 'node_modules'));
    const inWorkspace = { ...nginx, dir: join(root, 'packages/nginx') };
    const good = release(withFiles(inWorkspace, { 'nginx.conf': nginxConf, 'conf.d/a.conf': vhost }));
    const bad = release(withFiles(inWorkspace, { 'nginx.conf': nginxConf, 'conf.d/a.conf': 'server {' }));
    expect(await configToolIssues(inWorkspace, good, local)).toEqual([]);
    expect(await configToolIssues(inWorkspace, bad, local)).toHaveLength(1);
    expect(readdirSync(join(root, 'node_modules/.cache/homelab/config-tools'))).toHaveLength(1);
    // No tool runs for the release that passed (this executor has none); the other is checked again.
    expect(await configToolIssues(inWorkspace, good, none)).toEqual([]);
    expect((await configToolIssues(inWorkspace, bad, none))[0]?.message).toContain('nginx is not installed on this machine');
    // A changed file is a new release: checked.
    const changed = release(withFiles(inWorkspace, { 'nginx.conf': nginxConf, 'conf.d/a.conf': `${vhost}\n` }));
    expect(await configToolIssues(inWorkspace, changed, none)).toHaveLength(1);
  });

  it('a tool missing on this machine is an issue that says how to install it', async () => {
    expect(await configToolIssues(nginx, release(withFiles(nginx, { 'nginx.conf': nginxConf })), none)).toEqual([
      {
        file: 'packages/nginx/files/nginx.conf',
        path: '',
        message: 'nginx is not installed on this machine: `nginx -t -q` cannot check it',
        hint: 'run scripts/bootstrap.sh (it installs the Debian package nginx-light)',
      },
    ]);
  });
});
