// `node scripts/prove-feature-removal.mjs [NAME ...] [--keep]`: proves each removable feature
// can go. For every feature `npm run features -- list` names (or the ones given), in a temporary
// copy of the repository: `npm run features -- remove NAME --force`, then build, lint, the unit
// tests and the API-docs coverage tests. Prints PASS/FAIL with timings per feature; exits 1 on any
// failure. Logs: test-results/feature-removal/NAME.log. CI runs it (.ci/run).
//
// The copy takes the sources without .git or build output, and a real copy of node_modules
// (`cp -a --reflink=auto`: about 2 s here, hard links 0.7 s): removal runs `npm uninstall`, which
// rewrites files such as node_modules/.package-lock.json, so nothing may be shared with the
// working tree.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LOGS = join(root, 'test-results', 'feature-removal');
/** top-level entries the copy leaves out (node_modules is linked separately) */
const SKIP = new Set(['.git', 'node_modules', 'dist', 'coverage', 'test-results', 'bench-results', '.data']);

const STEPS = [
  ['remove', ['node', 'scripts/features.mjs', 'remove', '{name}', '--force']],
  ['build', ['npm', 'run', 'build']],
  ['lint', ['npm', 'run', 'lint']],
  ['unit', ['npm', 'run', 'test:unit']],
  [
    'api-docs',
    [
      'npx',
      'jest',
      '--selectProjects',
      'databases',
      '--runTestsByPath',
      'tests/integration/api-docs-coverage.test.ts',
      'tests/integration/api-docs.test.ts',
    ],
  ],
];

const out = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

function listFeatures() {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'features.mjs'), 'list'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`features list failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]);
}

function copyTree(target) {
  cpSync(root, target, {
    recursive: true,
    filter: (src) => {
      const top = relative(root, src).split(sep)[0];
      return !SKIP.has(top);
    },
  });
  const copied = spawnSync('cp', [
    '-a',
    '--reflink=auto',
    join(root, 'node_modules'),
    join(target, 'node_modules'),
  ]);
  // without GNU cp: Node's copy, slower
  if (copied.status !== 0)
    cpSync(join(root, 'node_modules'), join(target, 'node_modules'), {
      recursive: true,
      verbatimSymlinks: true,
    });
}

function runStep(cmd, cwd, log) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd,
      env: { ...process.env, CI: process.env.CI ?? '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('close', (code) => {
      log.push(`$ ${cmd.join(' ')}  (exit ${code})`, Buffer.concat(chunks).toString('utf8'));
      resolve(code === 0);
    });
    child.on('error', (err) => {
      log.push(`$ ${cmd.join(' ')}: ${err.message}`);
      resolve(false);
    });
  });
}

async function prove(name, keep) {
  const started = Date.now();
  const times = {};
  const log = [];
  const dir = mkdtempSync(join(tmpdir(), `prove-${name}-`));
  const failed = [];
  try {
    let t = Date.now();
    copyTree(dir);
    times.copy = Date.now() - t;
    for (const [step, template] of STEPS) {
      t = Date.now();
      const ok = await runStep(
        template.map((a) => a.replace('{name}', name)),
        dir,
        log,
      );
      times[step] = Date.now() - t;
      if (!ok) failed.push(step);
      // after a failed removal there is nothing to check; after any other step, the rest still
      // tells what else is wrong
      if (!ok && step === 'remove') break;
    }
  } catch (err) {
    failed.push('copy');
    log.push(String(err?.stack ?? err));
  } finally {
    if (keep) log.push(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(LOGS, { recursive: true });
  writeFileSync(join(LOGS, `${name}.log`), `${log.join('\n')}\n`);
  return { name, failed, times, total: Date.now() - started, dir };
}

async function main(argv) {
  const keep = argv.includes('--keep');
  const asked = argv.filter((a) => !a.startsWith('--'));
  const known = listFeatures();
  const unknown = asked.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown feature(s): ${unknown.join(', ')}; removable: ${known.join(', ')}\n`);
    return 2;
  }
  const names = asked.length > 0 ? asked : known;
  out(`Proving removal of: ${names.join(', ')} (steps: copy, ${STEPS.map(([s]) => s).join(', ')})`);
  const results = [];
  for (const name of names) {
    const r = await prove(name, keep);
    results.push(r);
    const steps = Object.entries(r.times)
      .map(([s, ms]) => `${s} ${seconds(ms)}`)
      .join(', ');
    const verdict = r.failed.length > 0 ? 'FAIL' : 'PASS';
    const where =
      r.failed.length > 0
        ? `  failed: ${r.failed.join(', ')} (log: ${relative(root, join(LOGS, `${name}.log`))})`
        : '';
    out(`${verdict}  ${name.padEnd(10)} ${seconds(r.total).padStart(7)}  (${steps})${where}`);
  }
  const failed = results.filter((r) => r.failed.length > 0);
  out(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`prove-feature-removal: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
