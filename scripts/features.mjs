// `npm run features -- list | remove NAME [--force] [--dry-run]`: the template's removable
// features. Each is a folder under backend/features/ with a feature.json manifest (what to delete,
// which npm scripts, dependencies and README sections are its own) and one import plus one list
// entry in backend/features/installed-features.ts, the registry. Plain Node, no build, so it
// works on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FEATURES_DIR = 'backend/features';
const REGISTRY = `${FEATURES_DIR}/installed-features.ts`;
/** where a dependency still in use would be imported from */
const CODE_DIRS = ['backend', 'scripts', 'tests'];
const CODE_EXT = /\.(c|m)?(j|t)s$/;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-results', 'bench-results']);

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line) => process.stderr.write(`${line}\n`);
const rel = (abs) => relative(root, abs).split(sep).join('/');

// ---------------------------------------------------------------- manifests

function readManifests() {
  const dir = join(root, FEATURES_DIR);
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, 'feature.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, 'utf8'));
    if (m.name !== entry.name)
      throw new Error(`${rel(file)}: name "${m.name}" differs from its folder "${entry.name}"`);
    found.push({
      name: m.name,
      description: m.description ?? '',
      paths: m.paths ?? [],
      scripts: m.scripts ?? [],
      dependencies: m.dependencies ?? [],
      readmeSections: m.readmeSections ?? [],
      docSections: m.docSections ?? {},
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function printList(manifests, write = out) {
  const width = Math.max(0, ...manifests.map((m) => m.name.length));
  for (const m of manifests) write(`${m.name.padEnd(width)}  ${m.description}`);
}

// ---------------------------------------------------------------- globs

const globRegex = (segment) =>
  new RegExp(
    `^${segment
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );

/** Paths under root matching a pattern of `*`, `?` (within one segment) and `**` (any depth). */
function expand(pattern) {
  const segments = pattern.replace(/^\.\//, '').replace(/\/$/, '').split('/');
  let current = [root];
  for (const segment of segments) {
    const next = [];
    for (const base of current) {
      if (segment === '**') {
        const walk = (dir) => {
          next.push(dir);
          for (const e of safeReaddir(dir))
            if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(join(dir, e.name));
        };
        walk(base);
      } else if (/[*?]/.test(segment)) {
        const re = globRegex(segment);
        for (const e of safeReaddir(base)) if (re.test(e.name)) next.push(join(base, e.name));
      } else if (existsSync(join(base, segment))) next.push(join(base, segment));
    }
    current = [...new Set(next)];
  }
  return current.filter((p) => p !== root).sort();
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** every file under dir (recursively), skipping build output and dependencies */
function filesUnder(dir, keep = () => true) {
  const files = [];
  const walk = (d) => {
    for (const e of safeReaddir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (keep(p)) files.push(p);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  else if (existsSync(dir) && keep(dir)) files.push(dir);
  return files;
}

// ---------------------------------------------------------------- the registry

/**
 * Drops the feature's imports (any `import … from './NAME/…'`, single or multi-line) and the list
 * entries naming what they imported: a line holding just `ident,`, or the identifier inside a
 * one-line list. Returns the new text and what went.
 */
export function dropFromRegistry(text, name) {
  const removed = [];
  const idents = [];
  // comment lines right above an import go with it when they name the feature
  const comments = String.raw`((?:^[ \t]*//[^\n]*\n)*)`;
  const aboutIt = new RegExp(String.raw`\b${name}\b`, 'i');
  const withComments = (block) => {
    if (!block || !aboutIt.test(block)) return block ?? '';
    removed.push(...block.trimEnd().split('\n'));
    return '';
  };
  const importRe = new RegExp(
    String.raw`${comments}^import\s+(?:type\s+)?(?:\{([^}]*)\}|(\w+))\s+from\s+['"]\./${name}/[^'"]*['"];?[^\n]*\n`,
    'gm',
  );
  let next = text.replace(importRe, (match, block, named, dflt) => {
    const kept = withComments(block);
    removed.push(match.slice(block?.length ?? 0).trimEnd());
    if (dflt) idents.push(dflt);
    for (const part of (named ?? '').split(',')) {
      const id = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (id) idents.push(id);
    }
    return kept;
  });
  // a side-effect import of the feature (one that must load early), if any
  const bareRe = new RegExp(String.raw`${comments}^import\s+['"]\./${name}/[^'"]*['"];?[^\n]*\n`, 'gm');
  next = next.replace(bareRe, (match, block) => {
    const kept = withComments(block);
    removed.push(match.slice(block?.length ?? 0).trimEnd());
    return kept;
  });
  for (const id of idents) {
    const own = new RegExp(String.raw`^[ \t]*(?:\.\.\.)?${id}[ \t]*,?[ \t]*(?://[^\n]*)?\n`, 'm');
    if (own.test(next)) {
      next = next.replace(own, (s) => {
        removed.push(s.trimEnd());
        return '';
      });
      continue;
    }
    const inline = [new RegExp(String.raw`\b${id}\b\s*,\s*`), new RegExp(String.raw`,\s*\b${id}\b`)];
    for (const re of inline) {
      if (re.test(next)) {
        next = next.replace(re, '');
        removed.push(`${id} (list entry)`);
        break;
      }
    }
  }
  const code = next.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  const leftover = idents.filter((id) => new RegExp(String.raw`\b${id}\b`).test(code));
  return { text: next, removed, idents, leftover };
}

// ---------------------------------------------------------------- Markdown

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

/** Removes each named section: its heading to the next heading of the same or a higher level. */
export function dropSections(text, headings) {
  const lines = text.split('\n');
  const dropped = [];
  for (const heading of headings) {
    let inFence = false;
    let start = -1;
    let level = 0;
    let end = lines.length;
    for (let i = 0; i < lines.length; i++) {
      if (FENCE.test(lines[i])) inFence = !inFence;
      if (inFence) continue;
      const m = HEADING.exec(lines[i]);
      if (!m) continue;
      if (start < 0) {
        if (m[2] === heading) {
          start = i;
          level = m[1].length;
        }
      } else if (m[1].length <= level) {
        end = i;
        break;
      }
    }
    if (start < 0) continue;
    lines.splice(start, end - start);
    dropped.push(heading);
  }
  return { text: tidy(lines.join('\n')), dropped };
}

const tidy = (text) => text.replace(/\n{3,}/g, '\n\n').replace(/\n+$/, '\n');

/**
 * Removes links to deleted files from one Markdown file: a list item or a line that is only the
 * link (or image) goes; a link inside prose keeps its text.
 */
export function dropLinks(text, mdFile, isDeleted) {
  const targetDeleted = (href) => {
    if (/^[a-z]+:|^#|^\//i.test(href)) return false;
    const path = posix.normalize(posix.join(posix.dirname(mdFile), href.split('#')[0]));
    return isDeleted(path);
  };
  const link = /(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
  const img = /<img\s[^>]*src="([^"]+)"[^>]*>/g;
  const lines = text.split('\n');
  const kept = [];
  const dropped = [];
  let inFence = false;
  let dropIndent = -1;
  for (const line of lines) {
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) {
      kept.push(line);
      continue;
    }
    // continuation lines of a dropped list item
    if (dropIndent >= 0) {
      const indent = line.match(/^\s*/)[0].length;
      if (line.trim() !== '' && indent > dropIndent && !/^\s*([-*+]|\d+\.)\s/.test(line)) continue;
      dropIndent = -1;
    }
    const hits = [...line.matchAll(link)].filter((m) => targetDeleted(m[3]));
    const imgHits = [...line.matchAll(img)].filter((m) => targetDeleted(m[1]));
    if (hits.length === 0 && imgHits.length === 0) {
      kept.push(line);
      continue;
    }
    const bullet = /^(\s*)([-*+]|\d+\.)\s+(.*)$/.exec(line);
    // a line of images only (a screenshot) goes; a link in prose keeps its text
    const bare = line
      .replace(link, '')
      .replace(img, '')
      .replace(/[\s\-*+:.,;]/g, '');
    const onlyImages = bare === '' && hits.every((m) => m[1] === '!');
    // a list item that is about the deleted file: it starts with the link
    const itemAbout = bullet && hits[0]?.index === line.length - bullet[3].length;
    if (onlyImages || itemAbout) {
      dropped.push(line.trim());
      if (bullet) dropIndent = bullet[1].length;
      continue;
    }
    let next = line.replace(link, (whole, bang, label, href) =>
      targetDeleted(href) ? (bang ? '' : label) : whole,
    );
    next = next.replace(img, (whole, src) => (targetDeleted(src) ? '' : whole));
    dropped.push(`link in: ${line.trim()}`);
    kept.push(next);
  }
  return { text: tidy(kept.join('\n')), dropped };
}

// ---------------------------------------------------------------- git and npm

function gitDirty() {
  const r = spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
  if (r.error || r.status !== 0) return { known: false };
  return { known: true, changes: r.stdout.split('\n').filter(Boolean) };
}

function run(cmd, args) {
  out(`  $ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.error || r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** remaining code files that import or require the package (its name in quotes, or a subpath) */
function usersOf(dep, codeFiles) {
  const re = new RegExp(String.raw`['"\`]${dep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:/[^'"\`]*)?['"\`]`);
  return codeFiles.filter((f) => re.test(readFileSync(f, 'utf8')));
}

// ---------------------------------------------------------------- remove

function remove(manifest, { force, dryRun }) {
  // edits go through here, so a dry run reports what a real one would do, in the same order
  const edited = new Map();
  const readText = (abs) => edited.get(abs) ?? readFileSync(abs, 'utf8');
  const writeText = (abs, text) => {
    edited.set(abs, text);
    if (!dryRun) writeFileSync(abs, text);
  };
  const { name } = manifest;
  out(`${dryRun ? 'Would remove' : 'Removing'} feature "${name}": ${manifest.description}`);
  if (!dryRun) {
    const git = gitDirty();
    if (!git.known && !force) {
      err('Not a git work tree (or git is missing): cannot check for uncommitted changes.');
      err('Run it in a clean git checkout, so `git diff` shows what removal changed, or pass --force.');
      return 1;
    }
    if (git.known && git.changes.length > 0 && !force) {
      err(`The working tree has uncommitted changes (${git.changes.length} paths):`);
      for (const c of git.changes.slice(0, 10)) err(`  ${c}`);
      if (git.changes.length > 10) err('  …');
      err('Commit or stash them first, so `git diff` shows exactly what removal changes; or pass --force.');
      return 1;
    }
  }

  // 1. files and folders
  const targets = new Set();
  for (const pattern of manifest.paths) {
    const hits = expand(pattern);
    if (hits.length === 0) out(`  (nothing matches ${pattern})`);
    for (const p of hits) targets.add(p);
  }
  const deleted = [...targets].sort();
  const deletedRel = deleted.map(rel);
  const isDeleted = (path) => deletedRel.some((d) => path === d || path.startsWith(`${d}/`));
  for (const p of deleted) {
    const dir = existsSync(p) && statSync(p).isDirectory();
    out(`  delete ${rel(p)}${dir ? '/' : ''}`);
    if (!dryRun) rmSync(p, { recursive: true, force: true });
  }

  // 2. the registry
  const registryFile = join(root, REGISTRY);
  if (existsSync(registryFile)) {
    const before = readFileSync(registryFile, 'utf8');
    const r = dropFromRegistry(before, name);
    if (r.removed.length === 0) out(`  ${REGISTRY}: no import from ./${name}/ (not installed?)`);
    for (const line of r.removed) out(`  ${REGISTRY}: remove ${line.trim()}`);
    if (r.leftover.length > 0)
      err(`  warning: ${REGISTRY} still names ${r.leftover.join(', ')}: edit it by hand`);
    if (!dryRun && r.text !== before) writeFileSync(registryFile, r.text);
  } else out(`  (no ${REGISTRY})`);

  // 3. npm scripts
  const pkgFile = join(root, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const scripts = manifest.scripts.filter((s) => pkg.scripts && s in pkg.scripts);
  if (scripts.length > 0) {
    for (const s of scripts) delete pkg.scripts[s];
    out(`  package.json: remove scripts ${scripts.join(', ')}`);
    if (!dryRun) writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  }

  // 4. Markdown: its sections, then links to what was deleted
  const sections = { 'README.md': manifest.readmeSections, ...manifest.docSections };
  for (const [file, headings] of Object.entries(sections)) {
    const abs = join(root, file);
    if (headings.length === 0 || !existsSync(abs) || isDeleted(file)) continue;
    const r = dropSections(readText(abs), headings);
    for (const h of r.dropped) out(`  ${file}: remove section "${h}"`);
    for (const h of headings.filter((x) => !r.dropped.includes(x))) out(`  ${file}: (no section "${h}")`);
    if (r.dropped.length > 0) writeText(abs, r.text);
  }
  for (const abs of filesUnder(root, (p) => p.endsWith('.md'))) {
    const file = rel(abs);
    if (isDeleted(file) || !existsSync(abs)) continue;
    const r = dropLinks(readText(abs), file, isDeleted);
    for (const d of r.dropped) out(`  ${file}: remove ${d}`);
    if (r.dropped.length > 0) writeText(abs, r.text);
  }

  // 5. dependencies nothing else imports
  const installed = { ...pkg.dependencies, ...pkg.devDependencies };
  const declared = manifest.dependencies.filter((d) => d in installed);
  if (declared.length > 0) {
    const codeFiles = [
      ...CODE_DIRS.flatMap((d) => filesUnder(join(root, d), (p) => CODE_EXT.test(p))),
      ...safeReaddir(root)
        .filter((e) => e.isFile() && CODE_EXT.test(e.name))
        .map((e) => join(root, e.name)),
    ].filter((f) => !isDeleted(rel(f)));
    const drop = [];
    for (const dep of declared) {
      const users = usersOf(dep, codeFiles);
      if (users.length > 0) out(`  keep ${dep}: still imported by ${users.map(rel).slice(0, 3).join(', ')}`);
      else drop.push(dep);
    }
    if (drop.length > 0) {
      out(`  uninstall ${drop.join(' ')}`);
      if (!dryRun) {
        run('npm', ['uninstall', '--no-audit', '--no-fund', ...drop]);
        // keeps package-lock.json complete for `npm ci` on other platforms
        if (JSON.parse(readFileSync(pkgFile, 'utf8')).scripts?.['lock:fill'])
          run('npm', ['run', 'lock:fill']);
      }
    }
  }

  // 6. what still names the folder (for the reviewer; the build would fail on an import)
  if (!dryRun) {
    const pattern = `features/${name}/`;
    const mentions = filesUnder(
      root,
      (p) => !p.endsWith('.md') && !p.endsWith('.json') && /\.(m|c)?(t|j)s$|\.sh$|\.ya?ml$/.test(p),
    )
      .filter((f) => readFileSync(f, 'utf8').includes(pattern))
      .map(rel);
    for (const f of mentions) err(`  warning: ${f} still mentions ${pattern}`);
  }
  out(
    dryRun
      ? 'Dry run: nothing changed.'
      : 'Done. Review with `git status` and `git diff`, then build, lint and test.',
  );
  return 0;
}

// ---------------------------------------------------------------- main

const USAGE = `usage: npm run features -- list
       npm run features -- remove NAME [--force] [--dry-run]
  remove refuses to run on a tree with uncommitted changes unless --force`;

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const [command, name, ...extra] = argv.filter((a) => !a.startsWith('--'));
  const unknownFlag = [...flags].find((f) => !['--force', '--dry-run', '--help'].includes(f));
  if (flags.has('--help')) {
    out(USAGE);
    return 0;
  }
  if (unknownFlag || extra.length > 0) {
    err(USAGE);
    return 2;
  }
  const manifests = readManifests();
  if (command === 'list' && !name) {
    printList(manifests);
    return 0;
  }
  if (command === 'remove' && name) {
    const manifest = manifests.find((m) => m.name === name);
    if (!manifest) {
      err(`No removable feature named "${name}". Removable features:`);
      printList(manifests, err);
      return 2;
    }
    return remove(manifest, { force: flags.has('--force'), dryRun: flags.has('--dry-run') });
  }
  err(USAGE);
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    err(`features: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
