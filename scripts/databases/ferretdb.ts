import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir } from './cache-dir';
import { type ChildService, spawnService } from './child-service';
import { freePort, waitForPort } from './free-port';

export const FERRETDB_VERSION = 'v1.24.2';
const SOURCE_DIR = resolve(__dirname, '..', '..', '..', 'scripts', 'ferretdb');

function sourceDir(): string {
  // compiled: dist/scripts/databases → scripts/ferretdb; from source: scripts/databases → ../ferretdb
  for (const dir of [SOURCE_DIR, resolve(__dirname, '..', 'ferretdb')])
    if (existsSync(join(dir, 'go.mod'))) return dir;
  throw new Error(`scripts/ferretdb/go.mod not found near ${__dirname}`);
}

/**
 * Builds the project's FerretDB wrapper once into a cache folder named by version.
 * About a minute on a cold Go cache; go's own progress lines are shown.
 */
export async function ensureFerretDbBinary(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  const src = sourceDir();
  // Keyed by version and by the wrapper's own source, so editing it rebuilds.
  const hash = createHash('sha256');
  const files = readdirSync(src).filter(
    (f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum' || f === PATCHES_FILE,
  );
  for (const f of files.sort()) hash.update(f).update(readFileSync(join(src, f)));
  const bin = join(cacheDir(`ferretdb-${FERRETDB_VERSION}-${hash.digest('hex').slice(0, 10)}`), 'ferretdb');
  if (existsSync(bin)) return bin;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('Go is not installed: it is needed once to build FerretDB (or set MONGO_URL)');
  }
  log(`[databases] building FerretDB ${FERRETDB_VERSION} (first run only, about a minute)…`);
  const started = Date.now();
  const tmp = `${bin}.tmp-${process.pid}`;
  // per process, so two builds at once (parallel test runs) never share a half-made copy
  const work = `${bin}.build-${process.pid}`;
  try {
    const modfile = preparePatchedModule(src, work);
    await new Promise<void>((ok, fail) => {
      const child = spawn('go', ['build', '-v', `-modfile=${modfile}`, '-o', tmp, '.'], {
        cwd: src,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, CGO_ENABLED: '0' },
      });
      let count = 0;
      let errText = '';
      child.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        errText = (errText + text).slice(-4000);
        for (const line of text.split('\n').filter(Boolean)) {
          count++;
          if (count % 25 === 0) log(`[databases]   ${count} packages built… (${line.trim()})`);
        }
      });
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0 ? ok() : fail(new Error(`go build failed (${code}):\n${errText}`)),
      );
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(join(bin, '..'), { recursive: true });
  renameSync(tmp, bin); // atomic: a parallel build never sees a half-written binary
  log(`[databases] FerretDB built in ${Math.round((Date.now() - started) / 1000)} s → ${bin}`);
  return bin;
}

const PATCHES_FILE = 'patches.json';

interface Patches {
  module: string;
  patches: Array<{ file: string; from: string; to: string; count?: number }>;
}

/**
 * Copies the FerretDB module into a work folder beside the binary, applies scripts/ferretdb/patches.json to the
 * copy (exact replacements, each must match as often as it says) and writes a go.mod that
 * points the build at it (`go build -modfile`). The copy is the module go.sum pins, checked by
 * `go mod download`; a replacement that no longer matches stops the build instead of silently
 * building unpatched. (`-overlay` would be lighter, but go refuses overlays in the module cache.)
 */
function preparePatchedModule(src: string, outDir: string): string {
  const spec = JSON.parse(readFileSync(join(src, PATCHES_FILE), 'utf8')) as Patches;
  const info = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', spec.module], { cwd: src, encoding: 'utf8' }),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${spec.module}: ${info.Error ?? 'no folder'}`);
  const copy = join(outDir, 'module');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(info.Dir, copy, { recursive: true });
  // the module cache's files and folders are read-only, and so is their copy
  for (const entry of readdirSync(copy, { recursive: true, withFileTypes: true }))
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  chmodSync(copy, 0o755);
  for (const p of spec.patches) {
    const file = join(copy, p.file);
    const text = readFileSync(file, 'utf8');
    const found = text.split(p.from).length - 1;
    if (found !== (p.count ?? 1))
      throw new Error(`FerretDB patch for ${p.file} matches ${found} times, expected ${p.count ?? 1}`);
    writeFileSync(file, text.replaceAll(p.from, p.to));
  }
  const modfile = join(outDir, 'go.mod');
  writeFileSync(modfile, `${readFileSync(join(src, 'go.mod'), 'utf8')}\nreplace ${spec.module} => ${copy}\n`);
  writeFileSync(join(outDir, 'go.sum'), readFileSync(join(src, 'go.sum')));
  return modfile;
}

export async function startFerretDb(opts: { dataDir: string; port?: number }): Promise<ChildService> {
  const bin = await ensureFerretDbBinary();
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dataDir, { recursive: true });
  const svc = spawnService(bin, ['-listen', `127.0.0.1:${port}`, '-data', opts.dataDir, '-watch-stdin'], {
    stdin: 'pipe',
  });
  try {
    await waitForPort(port, { isAlive: svc.isAlive, timeoutMs: 20000 });
  } catch (err) {
    await svc.stop();
    throw new Error(`FerretDB did not start: ${(err as Error).message}\n${svc.output()}`);
  }
  return { url: `mongodb://127.0.0.1:${port}`, port, process: svc.child, stop: () => svc.stop('SIGTERM') };
}
