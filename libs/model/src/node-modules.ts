// A node_modules for another copy of the workspace (a revision being compared, a throw-away clone): every
// installed package linked from this checkout's, except the workspace's own @homelab/* packages, which
// point at the copy's folders, so that the copy runs its own libraries and tools.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export function linkNodeModules(copy: string, installed: string): void {
  const modules = join(copy, 'node_modules');
  rmSync(modules, { recursive: true, force: true }); // a committed link must not lead into the real one
  mkdirSync(join(modules, '@homelab'), { recursive: true });
  for (const entry of readdirSync(join(installed, 'node_modules'))) {
    if (entry !== '@homelab' && entry !== '.bin') symlinkSync(join(installed, 'node_modules', entry), join(modules, entry));
  }
  // The commands keep their relative links, so `npx homelab` in the copy runs the copy's CLI.
  const bin = join(installed, 'node_modules/.bin');
  if (existsSync(bin)) {
    mkdirSync(join(modules, '.bin'));
    for (const entry of readdirSync(bin)) symlinkSync(readlinkSync(join(bin, entry)), join(modules, '.bin', entry));
  }
  for (const group of ['libs', 'tools', 'packages']) {
    if (!existsSync(join(copy, group))) continue;
    for (const folder of readdirSync(join(copy, group))) {
      const pkg = join(copy, group, folder, 'package.json');
      if (!existsSync(pkg)) continue;
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name ?? '';
      if (name.startsWith('@homelab/')) symlinkSync(join(copy, group, folder), join(modules, name));
    }
  }
}
