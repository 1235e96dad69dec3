// `npm run lock:fill`: adds lockfile entries for optional platform packages that the registry
// reachable from this project's machines does not carry (it has only some platforms' binaries
// of Biome, SWC and Jest's resolver). `npm install` leaves those entries out, and `npm ci` on a
// fresh clone then refuses the lockfile as out of sync. The entries get os/cpu/libc guards
// derived from the package name, as a lockfile made against the full registry has them, so npm
// skips them on other platforms without fetching. Run after every `npm install`;
// tests/unit/lockfile.test.ts fails until you do.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
const OS = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openharmony',
  'netbsd',
  'openbsd',
  'sunos',
  'aix',
];
const CPU = [
  ['arm64', 'arm64'],
  ['x64', 'x64'],
  ['ia32', 'ia32'],
  ['ppc64', 'ppc64'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['loong64', 'loong64'],
  ['mips64el', 'mips64el'],
  ['arm', 'arm'],
];
function guards(name) {
  const parts = name.split('/').pop().split('-');
  const os = OS.find((o) => parts.includes(o));
  const cpuPart = parts.find((p) => CPU.some(([k]) => p === k));
  const cpu = cpuPart ?? (parts.includes('arm') ? 'arm' : undefined);
  const g = {};
  if (os) g.os = [os];
  if (cpu) g.cpu = [cpu];
  if (parts.some((p) => p.startsWith('musl'))) g.libc = ['musl'];
  else if (os === 'linux' && parts.some((p) => p.startsWith('gnu'))) g.libc = ['glibc'];
  return g;
}
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => pkgs[c])) continue;
    const g = guards(dep);
    if (!g.os && !g.cpu) continue; // not a platform binary: leave it to npm
    pkgs[`node_modules/${dep}`] = { version: spec.replace(/^[\^~=]/, ''), ...g, optional: true };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fill-lock: added ${added} platform entries`);
