import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildImportGraph,
  findCycles,
  findImports,
  type ImportEdge,
  type ImportGraph,
} from '../support/import-graph';

/**
 * The layer rule of backend/, written once: a path and its rank, lower = further down. A file
 * may import files of its own unit (folder) and of any lower rank; same-rank imports between
 * units are allowed while no cycle forms (between files or between units). Every import counts,
 * type-only ones included. The most specific entry wins: a file, then `features/<name>/`, then
 * a top-level folder. A top-level folder or features/ file missing here fails the test, so the
 * rule and README.md's Layout stay complete.
 */
const layers: Readonly<Record<string, number>> = {
  'config/': 0, // env → typed Config, flag definitions: imports nothing of ours
  'errors/': 1, // AppError, toAppError: nothing but config
  'validation/': 2,
  'pagination/': 2,
  'routing/': 2,
  'infra/': 2,
  'ports/': 2, // interfaces the domain emits through, and their plain implementations
  'flags/': 3,
  'cache/': 3,
  'presence/': 3,
  'timelines/': 3, // per-reader feed timelines and the fan-out journal: stores, no domain
  'rate-limits/': 3,
  'instances/': 3,
  'integrity/': 3,
  'health/': 3,
  'modules/': 4, // the domains; one domain may import another while the domains stay acyclic
  'contacts/': 5, // who may see whom, over the users' and messages' models
  'sessions/': 5, // tokens and their versions, over the users' model
  'realtime/': 6,
  'http/': 6, // Express only; imported by app.ts, features and the files above them (below)
  'api-docs/': 6,
  'admin/': 6,
  'shutdown/': 6,
  'domains/': 6, // createDomains: the domain services over their models, contacts and sessions
  'features/feature.ts': 6.5, // the descriptor every feature exports: lower types only
  'features/start-features.ts': 6.5, // the loops over a Feature[]; names no feature
  'features/<name>/': 7, // one feature: may import its own folder and anything below
  'app.ts': 8,
  'services.ts': 9,
  'features/installed-features.ts': 9, // the registry: the one file that names the features
  'server.ts': 10,
};

/** The lowest rank that may import http/ (features/<name>/, app.ts and the files above it). */
const httpImportersFrom = 7;
/** The one file outside a feature's folder that may import it. */
const featureRegistry = 'features/installed-features.ts';

const backendRoot = path.resolve(__dirname, '../../backend');

/** `features/<name>/`, `modules/<domain>/`, another top-level folder, or the file itself. */
function unitOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return file;
  if ((parts[0] === 'features' || parts[0] === 'modules') && parts.length > 2)
    return `${parts[0]}/${parts[1]}/`;
  if (parts[0] === 'features') return file;
  return `${parts[0]}/`;
}

/** The entry of the layer map that ranks the file, or undefined when it has none. */
function layerOf(file: string, map = layers): string | undefined {
  const parts = file.split('/');
  if (map[file] !== undefined) return file;
  if (parts[0] === 'features') return parts.length > 2 ? 'features/<name>/' : undefined;
  const top = parts.length > 1 ? `${parts[0]}/` : undefined;
  return top !== undefined && map[top] !== undefined ? top : undefined;
}

const isFeatureFolder = (unit: string) => unit.startsWith('features/') && unit.endsWith('/');

/** Files the layer map does not rank, as one line per top-level folder or file. */
function unranked(nodes: readonly string[], map = layers): string[] {
  const missing = new Set<string>();
  for (const file of nodes) {
    if (layerOf(file, map) !== undefined) continue;
    const parts = file.split('/');
    missing.add(parts[0] === 'features' || parts.length === 1 ? file : `${parts[0]}/`);
  }
  return [...missing]
    .sort()
    .map(
      (p) =>
        `backend/${p} has no layer: give it a rank in tests/unit/import-layers.test.ts and a line in README.md's Layout`,
    );
}

/** Every import that points up the layer map, or across units the rule keeps apart. */
function layerViolations(edges: readonly ImportEdge[], map = layers): string[] {
  const found = new Set<string>();
  for (const e of edges) {
    const fromUnit = unitOf(e.from);
    const toUnit = unitOf(e.to);
    if (fromUnit === toUnit) continue;
    const fromLayer = layerOf(e.from, map);
    const toLayer = layerOf(e.to, map);
    if (fromLayer === undefined || toLayer === undefined) continue; // reported by unranked()
    const fromRank = map[fromLayer]!;
    const toRank = map[toLayer]!;
    const line = `${e.from} -> ${e.to}`;
    if (toRank > fromRank)
      found.add(`${line}: upward (${fromLayer} ${fromRank} imports ${toLayer} ${toRank})`);
    if (toUnit === 'http/' && fromRank < httpImportersFrom)
      found.add(`${line}: http/ is Express; only app.ts, features and the files above them import it`);
    if (isFeatureFolder(toUnit) && e.from !== featureRegistry)
      found.add(`${line}: only ${featureRegistry} names a feature (a feature is removed with its folder)`);
  }
  return [...found].sort();
}

/** The graph with one node per unit (folder, domain, feature), for cycles between units. */
function unitGraph(graph: Pick<ImportGraph, 'nodes' | 'edges'>): Pick<ImportGraph, 'nodes' | 'edges'> {
  return {
    nodes: [...new Set(graph.nodes.map(unitOf))].sort(),
    edges: graph.edges
      .map((e) => ({ ...e, from: unitOf(e.from), to: unitOf(e.to) }))
      .filter((e) => e.from !== e.to),
  };
}

const asPaths = (cycles: string[][]) => cycles.map((c) => c.join(' -> '));

describe('When the backend import graph is checked against the layers', () => {
  const graph = buildImportGraph(backendRoot);

  it('then the scan reads the whole tree and resolves every relative import', () => {
    expect(graph.nodes).toEqual(expect.arrayContaining(['server.ts', 'app.ts', 'config/config.ts']));
    expect(graph.edges.length).toBeGreaterThan(graph.nodes.length);
    expect(graph.unresolved).toEqual([]);
    // only package.json (the version) is read from outside backend/, never a source file
    expect(graph.outside.filter((o) => !o.target.endsWith('package.json'))).toEqual([]);
  });

  it('then every top-level folder and features/ file has a rank', () => {
    expect(unranked(graph.nodes)).toEqual([]);
  });

  it('then no file imports itself back through others, type-only imports included', () => {
    expect(asPaths(findCycles(graph))).toEqual([]);
  });

  it('then no folder, domain or feature imports itself back through others', () => {
    expect(asPaths(findCycles(unitGraph(graph)))).toEqual([]);
  });

  it('then no import points up a layer, nothing below app.ts imports http/, and only the registry names a feature', () => {
    expect(layerViolations(graph.edges)).toEqual([]);
  });
});

describe('When the layer rule judges a made-up graph', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, kind: 'import', specifier: '' });

  it('then an upward import, even a type-only one, is reported with both ranks', () => {
    const typeOnly = { ...edge('errors/to-app-error.ts', 'infra/mongo.ts'), kind: 'import-type' as const };
    expect(layerViolations([typeOnly])).toEqual([
      'errors/to-app-error.ts -> infra/mongo.ts: upward (errors/ 1 imports infra/ 2)',
    ]);
  });

  it('then downward, same-folder and same-rank imports pass', () => {
    expect(
      layerViolations([
        edge('modules/users/user-service.ts', 'errors/app-error.ts'),
        edge('modules/posts/post-service.ts', 'modules/users/user-model.ts'),
        edge('cache/cache-aside.ts', 'flags/flag-reader.ts'),
        edge('features/chess/chess-feature.ts', 'features/feature.ts'),
        edge('features/chess/chess-feature.ts', 'features/chess/game-model.ts'),
        edge(featureRegistry, 'features/chess/chess-feature.ts'),
      ]),
    ).toEqual([]);
  });

  it('then http/ below app.ts and a feature named outside the registry are reported', () => {
    expect(
      layerViolations([
        edge('api-docs/api-groups.ts', 'http/metrics-route.ts'),
        edge('features/demo/demo-feature.ts', 'features/chess/chess-feature.ts'),
        edge('app.ts', 'features/demo/demo-feature.ts'),
      ]),
    ).toEqual([
      `api-docs/api-groups.ts -> http/metrics-route.ts: http/ is Express; only app.ts, features and the files above them import it`,
      `app.ts -> features/demo/demo-feature.ts: only ${featureRegistry} names a feature (a feature is removed with its folder)`,
      `features/demo/demo-feature.ts -> features/chess/chess-feature.ts: only ${featureRegistry} names a feature (a feature is removed with its folder)`,
    ]);
  });

  it('then a folder the map does not name asks for a rank', () => {
    expect(
      unranked(['utils/strings.ts', 'utils/dates.ts', 'features/registry-two.ts', 'config/config.ts']),
    ).toEqual([
      "backend/features/registry-two.ts has no layer: give it a rank in tests/unit/import-layers.test.ts and a line in README.md's Layout",
      "backend/utils/ has no layer: give it a rank in tests/unit/import-layers.test.ts and a line in README.md's Layout",
    ]);
  });

  it('then two domains importing each other form a cycle between units though no file cycle exists', () => {
    const graph = {
      nodes: ['modules/users/a.ts', 'modules/users/b.ts', 'modules/posts/c.ts', 'modules/posts/d.ts'],
      edges: [
        edge('modules/users/a.ts', 'modules/posts/c.ts'),
        edge('modules/posts/d.ts', 'modules/users/b.ts'),
      ],
    };
    expect(findCycles(graph)).toEqual([]);
    expect(asPaths(findCycles(unitGraph(graph)))).toEqual([
      'modules/posts/ -> modules/users/ -> modules/posts/',
    ]);
  });
});

describe('When the import graph is built from source files', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'import-graph-'));
    write(
      'a.ts',
      [
        "import { readFileSync } from 'node:fs';",
        'import {',
        '  b,',
        '  type B2,',
        "} from './b';",
        "export * from './d';",
        "// import { ghost } from './ghost';",
        "/* import './ghost2'; */",
        "const text = `import { y } from './ghost3'`;",
        'export const a = b + text.length + readFileSync.length;',
        'export type A = B2;',
        '',
      ].join('\n'),
    );
    write('b.ts', "import type { C } from './c';\nexport const b = 1;\nexport type B2 = C;\n");
    write('c/index.ts', "export type C = typeof import('../a').a;\n");
    write('d.ts', "import './side';\nexport const d = (require('./e.js') as { e: number }).e;\n");
    write('e.ts', "import { nope } from './nope';\nexport const e = nope;\n");
    write(
      'f.ts',
      "import { type A, type B2 } from './a';\nexport type { B2 } from './b';\nexport type F = A;\n",
    );
    write('side.ts', 'globalThis.toString();\n');
    write('types.d.ts', "import './a';\n");
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('then every import form is an edge of its kind, and comments, templates and packages are not', () => {
    const graph = buildImportGraph(root);
    expect(graph.nodes).toEqual(['a.ts', 'b.ts', 'c/index.ts', 'd.ts', 'e.ts', 'f.ts', 'side.ts']);
    const edges = graph.edges.map((e) => `${e.from} -> ${e.to} ${e.kind}`).sort();
    expect(edges).toEqual([
      'a.ts -> b.ts import',
      'a.ts -> d.ts export-from',
      'b.ts -> c/index.ts import-type',
      'c/index.ts -> a.ts dynamic',
      'd.ts -> e.ts dynamic',
      'd.ts -> side.ts side-effect',
      'f.ts -> a.ts import-type',
      'f.ts -> b.ts export-from',
    ]);
    expect(graph.unresolved).toEqual([{ from: 'e.ts', specifier: './nope' }]);
  });

  it('then a cycle through a type-only import is reported as a path back to its start', () => {
    expect(asPaths(findCycles(buildImportGraph(root)))).toEqual(['a.ts -> b.ts -> c/index.ts -> a.ts']);
  });

  it('then each separate cycle and a self-import are reported once, and a diamond is none', () => {
    const e = (from: string, to: string): ImportEdge => ({ from, to, kind: 'import', specifier: '' });
    const graph = {
      nodes: ['p', 'q', 'r', 's', 'x', 'y', 'z', 'w'],
      edges: [e('p', 'q'), e('q', 'p'), e('r', 'r'), e('s', 'x'), e('x', 'y'), e('y', 's'), e('z', 'w')],
    };
    expect(asPaths(findCycles(graph))).toEqual(['p -> q -> p', 'r -> r', 's -> x -> y -> s']);
    const diamond = {
      nodes: ['t', 'l', 'r', 'b'],
      edges: [e('t', 'l'), e('t', 'r'), e('l', 'b'), e('r', 'b')],
    };
    expect(findCycles(diamond)).toEqual([]);
  });

  it('then a type-only named list counts as type-only, and a mixed one as a value import', () => {
    expect(findImports("import { type A, type B } from './x';\nimport { C, type D } from './y';")).toEqual([
      { specifier: './x', kind: 'import-type' },
      { specifier: './y', kind: 'import' },
    ]);
  });
});
