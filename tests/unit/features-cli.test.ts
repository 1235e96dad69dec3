import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// `npm run features` (scripts/features.mjs) on a tiny fixture tree in a temp folder, never on the
// repository itself; the last block checks the repository's own manifests against its registry.

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'scripts', 'features.mjs');

const REGISTRY = `// Probe first, for its effect: it patches modules as they load.
import './probe/register';
import { gadget } from './gadget/gadget-feature';
import type { Feature } from './feature';
import { probe } from './probe/probe-feature';
import { widget } from './widget/widget-feature';

/** the features, in load and mount order */
// biome-ignore format: one feature per line
export const installedFeatures: readonly Feature[] = [
  probe,
  widget,
  gadget,
];
`;

const README = `# fixture

Intro with [the widget guide](docs/widget.md) inline.

## Widgets

All about widgets.

![a widget](docs/screenshots/widget-main.png)

### Widget details

More.

## Gadgets

Gadget text.

## Docs

- [docs/widget.md](docs/widget.md): the widget guide,
  wrapped onto a second line
- [docs/gadget.md](docs/gadget.md): the gadget guide
`;

const files: Record<string, string> = {
  'package.json': `${JSON.stringify(
    {
      name: 'fixture',
      private: true,
      scripts: { build: 'true', 'lock:fill': 'true', 'widget:spin': 'node x', 'gadget:go': 'node y' },
      dependencies: { 'left-pad': '1.0.0', 'shared-dep': '1.0.0', '@scope/widget-lib': '2.0.0' },
    },
    null,
    2,
  )}\n`,
  'README.md': README,
  'docs/widget.md': '# Widget guide\n',
  'docs/gadget.md': '# Gadget guide\n\nSee [widgets](widget.md) and [the gadget API](#api).\n',
  'docs/screenshots/widget-main.png': 'png',
  'docs/screenshots/widget-phone.png': 'png',
  'docs/screenshots/gadget.png': 'png',
  'backend/core.ts': "import { x } from 'shared-dep';\nexport const y = x;\n",
  'backend/features/feature.ts': 'export interface Feature { name: string }\n',
  'backend/features/installed-features.ts': REGISTRY,
  'backend/features/probe/register.ts': 'export const started = true;\n',
  'backend/features/probe/probe-feature.ts':
    "import './register';\nexport const probe = { name: 'probe' };\n",
  'backend/features/probe/feature.json': JSON.stringify({
    name: 'probe',
    description: 'Loads first',
    paths: ['backend/features/probe'],
  }),
  'backend/features/widget/widget-feature.ts':
    "import '@scope/widget-lib/register';\nimport 'left-pad';\nimport 'shared-dep';\nexport const widget = { name: 'widget' };\n",
  'backend/features/widget/feature.json': JSON.stringify({
    name: 'widget',
    description: 'Spins widgets',
    paths: [
      'backend/features/widget',
      'tests/*/widget*.test.ts',
      'tests/support/widget-kit.ts',
      'docs/widget.md',
      'docs/screenshots/widget-*.png',
    ],
    scripts: ['widget:spin'],
    dependencies: ['left-pad', 'shared-dep', '@scope/widget-lib'],
    readmeSections: ['Widgets'],
  }),
  'backend/features/gadget/gadget-feature.ts': "export const gadget = { name: 'gadget' };\n",
  'backend/features/gadget/feature.json': JSON.stringify({
    name: 'gadget',
    description: 'Makes gadgets',
    paths: ['backend/features/gadget', 'docs/gadget.md'],
    scripts: ['gadget:go'],
    readmeSections: ['Gadgets'],
  }),
  'tests/unit/widget.test.ts': '',
  'tests/integration/widget-live.test.ts': '',
  'tests/support/widget-kit.ts': '',
  'tests/unit/gadget.test.ts': '',
};

let tree: string;
let npmLog: string;

function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'features-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  copyFileSync(CLI, join(dir, 'scripts', 'features.mjs'));
  // a stand-in npm on PATH that only records how it was called
  mkdirSync(join(dir, '.fake-bin'));
  writeFileSync(join(dir, '.fake-bin', 'npm'), '#!/bin/sh\necho "$@" >> "$NPM_LOG"\n');
  chmodSync(join(dir, '.fake-bin', 'npm'), 0o755);
  return dir;
}

function features(...args: string[]): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { PATH: `${join(tree, '.fake-bin')}:${process.env.PATH}`, NPM_LOG: npmLog };
  return spawnSync(process.execPath, [join(tree, 'scripts', 'features.mjs'), ...args], {
    cwd: tree,
    env,
    encoding: 'utf8',
  });
}

const read = (path: string) => readFileSync(join(tree, path), 'utf8');
const git = (...args: string[]) =>
  spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd: tree,
    encoding: 'utf8',
  });

beforeEach(() => {
  tree = makeTree();
  npmLog = join(tree, '.fake-bin', 'npm.log');
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

describe('When listing features', () => {
  it('then each manifest is one line, NAME and description, sorted by name', () => {
    const r = features('list');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'gadget  Makes gadgets',
      'probe   Loads first',
      'widget  Spins widgets',
    ]);
  });
});

describe('When removing a name that is not a feature', () => {
  it('then it exits non-zero and prints the features there are', () => {
    const r = features('remove', 'gizmo', '--force');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('No removable feature named "gizmo"');
    expect(r.stderr).toContain('widget  Spins widgets');
    expect(existsSync(join(tree, 'backend/features/widget'))).toBe(true);
  });
});

describe('When the tree cannot be checked or has uncommitted changes', () => {
  it('then removal refuses without --force and says so', () => {
    const outside = features('remove', 'widget');
    expect(outside.status).not.toBe(0);
    expect(outside.stderr).toMatch(/Not a git work tree.*\n.*--force/);

    expect(git('init', '-q').status).toBe(0);
    git('add', '-A');
    expect(git('commit', '-qm', 'fixture').status).toBe(0);
    writeFileSync(join(tree, 'backend/core.ts'), '// edited\n');
    const dirty = features('remove', 'widget');
    expect(dirty.status).not.toBe(0);
    expect(dirty.stderr).toContain('uncommitted changes');
    expect(dirty.stderr).toContain('--force');
    expect(existsSync(join(tree, 'backend/features/widget'))).toBe(true);
  });
});

describe('When removing a feature with --force', () => {
  let r: SpawnSyncReturns<string>;
  beforeEach(() => {
    r = features('remove', 'widget', '--force');
  });

  it('then it succeeds and prints what it did', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('delete backend/features/widget/');
    expect(r.stdout).toContain('remove section "Widgets"');
  });

  it('then every path and glob of its manifest is gone, and nothing else', () => {
    for (const gone of [
      'backend/features/widget',
      'tests/unit/widget.test.ts',
      'tests/integration/widget-live.test.ts',
      'tests/support/widget-kit.ts',
      'docs/widget.md',
      'docs/screenshots/widget-main.png',
      'docs/screenshots/widget-phone.png',
    ])
      expect(existsSync(join(tree, gone))).toBe(false);
    for (const kept of [
      'backend/features/gadget/gadget-feature.ts',
      'tests/unit/gadget.test.ts',
      'docs/screenshots/gadget.png',
    ])
      expect(existsSync(join(tree, kept))).toBe(true);
  });

  it('then its import line and its list entry leave the registry, and only those', () => {
    const expected = REGISTRY.replace("import { widget } from './widget/widget-feature';\n", '').replace(
      '  widget,\n',
      '',
    );
    expect(read('backend/features/installed-features.ts')).toBe(expected);
  });

  it('then its npm scripts go and the others stay', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(Object.keys(pkg.scripts)).toEqual(['build', 'lock:fill', 'gadget:go']);
  });

  it('then its README section goes with its subsections, and links to deleted files go too', () => {
    const readme = read('README.md');
    expect(readme).not.toContain('## Widgets');
    expect(readme).not.toContain('Widget details');
    expect(readme).not.toContain('widget-main.png');
    expect(readme).not.toContain('docs/widget.md');
    expect(readme).not.toContain('wrapped onto a second line');
    expect(readme).toContain('Intro with the widget guide inline.');
    expect(readme).toContain('## Gadgets\n\nGadget text.\n\n## Docs\n\n- [docs/gadget.md](docs/gadget.md)');
    expect(read('docs/gadget.md')).toBe('# Gadget guide\n\nSee widgets and [the gadget API](#api).\n');
  });

  it('then only the dependencies nothing else imports are uninstalled, and the lockfile is filled', () => {
    expect(r.stdout).toMatch(/keep shared-dep: still imported by backend\/core\.ts/);
    expect(read('.fake-bin/npm.log').trimEnd().split('\n')).toEqual([
      'uninstall --no-audit --no-fund left-pad @scope/widget-lib',
      'run lock:fill',
    ]);
  });
});

describe('When removing the feature the registry loads first for its effect', () => {
  it('then its comment, its side-effect import, its import and its entry go', () => {
    const r = features('remove', 'probe', '--force');
    expect(r.status).toBe(0);
    expect(read('backend/features/installed-features.ts')).toBe(
      REGISTRY.replace(
        "// Probe first, for its effect: it patches modules as they load.\nimport './probe/register';\n",
        '',
      )
        .replace("import { probe } from './probe/probe-feature';\n", '')
        .replace('  probe,\n', ''),
    );
  });
});

describe('When removing a feature from a clean git checkout', () => {
  it('then it needs no --force, and beyond deletions it changes only the registry, package.json and Markdown', () => {
    git('init', '-q');
    git('add', '-A');
    expect(git('commit', '-qm', 'fixture').status).toBe(0);
    const r = features('remove', 'gadget');
    expect(r.status).toBe(0);
    const changes = git('status', '--porcelain').stdout.trimEnd().split('\n');
    const modified = changes.filter((l) => !l.startsWith(' D')).map((l) => l.slice(3));
    expect(modified.filter((f) => !/^package(-lock)?\.json$|\.md$/.test(f))).toEqual([
      'backend/features/installed-features.ts',
    ]);
    expect(existsSync(npmLog)).toBe(false);
  });
});

describe('When asked for a dry run', () => {
  it('then it prints the plan and changes nothing', () => {
    const before = read('backend/features/installed-features.ts');
    const r = features('remove', 'widget', '--dry-run');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('delete backend/features/widget/');
    expect(r.stdout).toContain('Dry run: nothing changed.');
    expect(read('backend/features/installed-features.ts')).toBe(before);
    expect(existsSync(join(tree, 'docs/widget.md'))).toBe(true);
  });
});

describe("When checking this repository's features", () => {
  const featuresDir = join(ROOT, 'backend', 'features');
  const manifests = readdirSync(featuresDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(featuresDir, e.name, 'feature.json')))
    .map((e) => ({
      dir: e.name,
      ...(JSON.parse(readFileSync(join(featuresDir, e.name, 'feature.json'), 'utf8')) as {
        name: string;
        description: string;
        paths: string[];
        scripts?: string[];
        dependencies?: string[];
      }),
    }));
  const registryFile = join(featuresDir, 'installed-features.ts');
  const registry = existsSync(registryFile) ? readFileSync(registryFile, 'utf8') : '';
  const installed = [...registry.matchAll(/^import \{ (\w+) \} from '\.\/([\w-]+)\/([\w-]+)';$/gm)].map(
    ([, ident, dir, file]) => ({ ident: ident!, dir: dir!, file: file! }),
  );
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('then every manifest names its folder and describes itself in one line', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      expect(m.name).toBe(m.dir);
      expect(m.description).toMatch(/^[^\n]{10,}$/);
      for (const s of m.scripts ?? []) expect(Object.keys(pkg.scripts)).toContain(s);
      for (const d of m.dependencies ?? [])
        expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).toContain(d);
    }
  });

  it.each(manifests.map((m) => m.name))(
    // a glob may match nothing (tests of two features together go with whichever goes first)
    'then a dry run of removing %s finds every literal path, section and registry line its manifest names',
    (name) => {
      const r = spawnSync(process.execPath, [CLI, 'remove', name, '--dry-run'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const misses = r.stdout
        .split('\n')
        .filter((l) => /\(nothing matches [^*?]*\)$|\(no section|no import from/.test(l));
      expect(misses).toEqual([]);
    },
  );

  it('then every installed feature has a manifest whose name is its descriptor name, and every manifest is installed', () => {
    expect(installed.length).toBeGreaterThan(0);
    for (const { ident, dir, file } of installed) {
      const source = readFileSync(join(featuresDir, dir, `${file}.ts`), 'utf8');
      const name = new RegExp(`export const ${ident}\\b[^=]*=\\s*\\{\\s*name:\\s*'([^']+)'`).exec(
        source,
      )?.[1];
      const manifest = manifests.find((m) => m.dir === dir);
      // the manifest is named after its folder, and so is the descriptor
      expect({ dir, descriptor: name, manifest: manifest?.name }).toEqual({
        dir,
        descriptor: dir,
        manifest: dir,
      });
    }
    expect(manifests.map((m) => m.dir).sort()).toEqual([...new Set(installed.map((i) => i.dir))].sort());
  });

  it('then each installed feature is one import and one list entry of the registry', () => {
    for (const { ident } of installed) {
      expect(registry.match(new RegExp(`^  ${ident},$`, 'gm'))).toHaveLength(1);
    }
  });
});
