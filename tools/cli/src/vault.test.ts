// The `homelab vault` commands, run as a user runs them, against files ansible-vault can read.
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, serviceTs, tempWorkspace } from '@homelab/model/testing';

const root = tempWorkspace({
  'inventories/lab/inventory.yaml': 'name: lab\n',
  'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n',
  'packages/app/package.json': '{"version": "1.0.0"}',
  'packages/app/service.ts': serviceTs({
    description: 'app',
    host: 'ocean',
    secrets: ['DB_PASSWORD', 'API_TOKEN'],
    health: { probes: [{ type: 'tcp', port: 8080 }] },
  }),
  'packages/app/compose.yaml':
    'services:\n  app:\n    image: lab/app:1.0.0\n    ports: ["8080:80"]\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      API_TOKEN: ${API_TOKEN}\n    healthcheck:\n      test: ["CMD", "true"]\n',
  pw: 'first password\n',
  pw2: 'second password\n',
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ANSIBLE_VAULT_PASSWORD_FILE: join(root, 'pw'), ANSIBLE_NOCOLOR: '1' };
const secretsFile = join(root, 'packages/app/secrets.vault.yaml');

function homelab(args: string[], input?: string, extraEnv: Record<string, string> = {}) {
  return execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/cli/src/main.ts'), ...args], {
    cwd: root,
    reject: false,
    input,
    env: { ...env, ...extraEnv },
  });
}

describe('homelab vault', () => {
  it('set writes inline !vault values that ansible reads, and validate then checks names', async () => {
    expect((await homelab(['validate', 'app'])).stderr).toContain('packages/app/secrets.vault.yaml does not exist yet');
    expect((await homelab(['vault', 'set', 'app', 'DB_PASSWORD'], 'hunter2-db\n')).exitCode).toBe(0);
    const text = readFileSync(secretsFile, 'utf8');
    expect(text).toMatch(/^DB_PASSWORD: !vault \|\n +\$ANSIBLE_VAULT;1\.1;AES256\n/m);
    expect(text).not.toContain('hunter2');

    const missing = await homelab(['validate', 'app']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('packages/app/service.ts: secrets: secret API_TOKEN is not in packages/app/secrets.vault.yaml');

    expect((await homelab(['vault', 'set', 'app', 'API_TOKEN'], 'tok-123')).exitCode).toBe(0);
    expect((await homelab(['vault', 'set', 'app', 'UNUSED'], 'x1x')).exitCode).toBe(0);
    const ok = await homelab(['validate', 'app']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toContain('secret UNUSED is not used by the service');

    const debug = await execa(
      'ansible',
      [
        'localhost',
        '-c',
        'local',
        '-m',
        'debug',
        '-a',
        'msg={{ DB_PASSWORD }}/{{ API_TOKEN }}',
        '-e',
        `@${secretsFile}`,
        '--vault-password-file',
        join(root, 'pw'),
      ],
      { env: { ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' } },
    );
    expect(debug.stdout).toContain('"msg": "hunter2-db/tok-123"');
  });

  it('view prints clear values; a wrong password fails naming the file', async () => {
    const view = await homelab(['vault', 'view', secretsFile]);
    expect(view.stdout).toBe('DB_PASSWORD: "hunter2-db"\nAPI_TOKEN: "tok-123"\nUNUSED: "x1x"');
    const wrong = await homelab(['vault', 'view', secretsFile], undefined, { ANSIBLE_VAULT_PASSWORD_FILE: join(root, 'pw2') });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain(`${secretsFile} (DB_PASSWORD): cannot decrypt`);
  });

  it('edit goes through $EDITOR on a 0600 file in memory-backed storage, removed afterwards', async () => {
    const editor = join(root, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nstat -c '%a %n' "$1" > ${root}/seen\nsed -i 's/tok-123/tok-456/' "$1"\n`);
    chmodSync(editor, 0o755);
    const before = readFileSync(secretsFile, 'utf8');
    expect((await homelab(['vault', 'edit', secretsFile], undefined, { EDITOR: editor })).exitCode).toBe(0);
    const [mode, path] = readFileSync(join(root, 'seen'), 'utf8').trim().split(' ');
    expect(mode).toBe('600');
    expect(path).toMatch(/^\/dev\/shm\/homelab-vault-/);
    expect(existsSync(path!)).toBe(false);
    const after = readFileSync(secretsFile, 'utf8');
    const block = (t: string, k: string) => t.split(`${k}: `)[1]!.split(/\n\w/)[0];
    expect(block(after, 'DB_PASSWORD')).toBe(block(before, 'DB_PASSWORD'));
    expect(block(after, 'API_TOKEN')).not.toBe(block(before, 'API_TOKEN'));
    expect((await homelab(['vault', 'view', secretsFile])).stdout).toContain('API_TOKEN: "tok-456"');
  });

  it('refuses what would corrupt the file: another password, an empty stdin, a bad key name; a folder is not a file', async () => {
    const before = readFileSync(secretsFile, 'utf8');
    const other = await homelab(['vault', 'set', 'app', 'EXTRA', '--vault-password-file', join(root, 'pw2')], 'v', {
      ANSIBLE_VAULT_PASSWORD_FILE: '',
    });
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toMatch(
      /packages\/app\/secrets\.vault\.yaml: DB_PASSWORD: does not decrypt with the given password .*nothing was written/,
    );
    const empty = await homelab(['vault', 'set', 'app', 'EXTRA'], '');
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('EXTRA: the value is empty (nothing came on stdin); nothing was written');
    expect((await homelab(['vault', 'set', 'app', 'bad key'], 'v')).stderr).toContain('bad key: is not an environment variable name');
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);
    const dir = await homelab(['vault', 'view', '/etc']);
    expect(dir.exitCode).toBe(1);
    expect(dir.stderr.trim()).toBe('✖ /etc: is not a file\n  fix: name a vault file, e.g. packages/plex/secrets.vault.yaml');
  });

  it('usage errors exit 2 with a suggestion; every command has its own help', async () => {
    const typo = await homelab(['vault', 'sett', 'app', 'X']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("error: unknown command 'sett'");
    expect(typo.stderr).toContain('(Did you mean set?)');
    const flag = await homelab(['validate', 'app', '--invetory', 'production']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain("error: unknown option '--invetory'\n(Did you mean --inventory?)");
    expect((await homelab(['bogus'])).exitCode).toBe(2);
    expect((await homelab(['lock', 'frob'])).stderr).toContain("error: unknown command 'frob'");
    expect((await homelab(['render', 'app', '--json'])).stderr).toContain("error: unknown option '--json'");
    expect((await homelab(['help', 'vault'])).stdout).toMatch(/^Usage: homelab vault \[options\] \[command\]/);
    const help = await homelab(['vault', 'set', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: homelab vault set \[options\] <service> <key>/);
    expect(help.stdout).toContain('--allow-empty');
    expect(help.stdout).toContain('echo -n "$TOKEN" | homelab vault set plex PLEX_CLAIM');
    expect((await homelab(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rekey moves every value to the new password', async () => {
    expect((await homelab(['vault', 'rekey', secretsFile, '--new-vault-password-file', join(root, 'pw2')])).exitCode).toBe(0);
    expect((await homelab(['vault', 'view', secretsFile])).exitCode).toBe(1);
    expect((await homelab(['vault', 'view', secretsFile], undefined, { ANSIBLE_VAULT_PASSWORD_FILE: join(root, 'pw2') })).stdout).toContain(
      'DB_PASSWORD: "hunter2-db"',
    );
  });

  it('encrypt and decrypt whole files like ansible-vault, with vault ids', async () => {
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'plain text\n');
    expect((await homelab(['vault', 'encrypt', file, '--vault-id', `prod@${join(root, 'pw')}`])).exitCode).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    expect((await execa('ansible-vault', ['view', '--vault-id', `prod@${join(root, 'pw')}`, file])).stdout).toBe('plain text');
    expect((await homelab(['vault', 'decrypt', file])).exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('plain text\n');
  });

  it('import splits one monolithic ansible vault vars file into per-service files', async () => {
    rmSync(secretsFile, { force: true });
    const vars = join(root, 'vault.yml');
    writeFileSync(vars, 'vault_db_password: from-ansible\nvault_api_token: tok-from-ansible\nvault_other: zzz\n');
    await execa('ansible-vault', ['encrypt', '--vault-password-file', join(root, 'pw'), vars]);
    writeFileSync(join(root, 'map.yaml'), 'app:\n  DB_PASSWORD: vault_db_password\n  API_TOKEN: vault_api_token\n');
    const r = await homelab(['vault', 'import', vars, '--map', join(root, 'map.yaml')]);
    expect(r.exitCode).toBe(0);
    expect((await homelab(['vault', 'view', secretsFile])).stdout).toBe('DB_PASSWORD: "from-ansible"\nAPI_TOKEN: "tok-from-ansible"');
    writeFileSync(join(root, 'bad-map.yaml'), 'app:\n  DB_PASSWORD: vault_nope\n');
    const bad = await homelab(['vault', 'import', vars, '--map', join(root, 'bad-map.yaml')]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('has no variables for: app.DB_PASSWORD <- vault_nope; nothing was written');
    // A list-form mapping keeps Ansible's lower-case names: refused before any file is written.
    rmSync(secretsFile, { force: true });
    writeFileSync(join(root, 'list-map.yaml'), 'app:\n  DB_PASSWORD: vault_db_password\napp2: [vault_api_token]\n');
    const list = await homelab(['vault', 'import', vars, '--map', join(root, 'list-map.yaml')]);
    expect(list.exitCode).toBe(1);
    expect(list.stderr).toContain('app2.vault_api_token: is not an environment variable name');
    expect(existsSync(secretsFile)).toBe(false);
  });
});
