import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The import graph of a TypeScript source tree, read from the source text. TypeScript 7 has no
 * JS compiler API to ask, and the tree is Biome-formatted, so a small scanner is enough: drop
 * comments, then match the import forms. Every relative specifier is an edge, type-only ones
 * included, because a type import still ties the two files' layers together.
 */

/** How one file refers to another. */
export type EdgeKind = 'import' | 'import-type' | 'export-from' | 'side-effect' | 'dynamic';

export interface ImportEdge {
  /** importing file, relative to the root, with forward slashes */
  from: string;
  /** imported file, relative to the root */
  to: string;
  kind: EdgeKind;
  /** the specifier as written */
  specifier: string;
}

export interface ImportGraph {
  /** every .ts file under the root (declaration files excluded), relative, sorted */
  nodes: string[];
  edges: ImportEdge[];
  /** relative specifiers that resolve to no file under the root, nor to any file outside it */
  unresolved: { from: string; specifier: string }[];
  /** relative specifiers that leave the root (e.g. package.json), resolved to a repo-relative-ish absolute path */
  outside: { from: string; specifier: string; target: string }[];
}

/** A relative reference found in one file's source. */
export interface FoundImport {
  specifier: string;
  kind: EdgeKind;
}

/**
 * Removes comments and blanks template-literal text, keeping line structure and quoted strings
 * (specifiers are quoted strings), so commented-out imports and code inside templates are not
 * read as imports.
 */
export function stripComments(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < n && !(source[i] === '*' && source[i + 1] === '/')) {
        if (source[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
    } else if (c === "'" || c === '"') {
      const start = i;
      i++;
      while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i++;
      out += source.slice(start, i);
    } else if (c === '`') {
      // template text is blanked; `${…}` holes are kept one level deep (enough for this tree)
      out += '`';
      i++;
      while (i < n && source[i] !== '`') {
        if (source[i] === '\\') {
          i += 2;
        } else if (source[i] === '$' && source[i + 1] === '{') {
          let depth = 1;
          i += 2;
          out += '${';
          while (i < n && depth > 0) {
            if (source[i] === '{') depth++;
            else if (source[i] === '}') depth--;
            if (depth > 0) out += source[i];
            i++;
          }
          out += '}';
        } else {
          if (source[i] === '\n') out += '\n';
          i++;
        }
      }
      out += '`';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const quoted = String.raw`['"]([^'"\n]+)['"]`;
/** `import x from`, `import { a, type B } from`, `import * as x from`, `import type { … } from`, over many lines */
const importFrom = new RegExp(String.raw`\bimport\s+(type\s+)?([\w$*{},\s]*?)\s*\bfrom\s*` + quoted, 'g');
/** `export { a } from`, `export * from`, `export * as x from`, `export type { … } from` */
const exportFrom = new RegExp(
  String.raw`\bexport\s+(type\s+)?(\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*` + quoted,
  'g',
);
/** `import './x'` */
const sideEffect = new RegExp(String.raw`\bimport\s*` + quoted, 'g');
/** `import('./x')` (also `typeof import('./x')`) and `require('./x')` */
const dynamicRef = new RegExp(String.raw`(?:\bimport|\brequire)\s*\(\s*` + quoted + String.raw`\s*\)`, 'g');

/** Every relative reference in one file's source, in source order per form. */
export function findImports(source: string): FoundImport[] {
  const code = stripComments(source);
  const found: FoundImport[] = [];
  for (const m of code.matchAll(importFrom)) {
    const clause = m[2] ?? '';
    const named = /\{([^}]*)\}/.exec(clause)?.[1];
    const defaultOrNamespace = clause.replace(/\{[^}]*\}/, '').replace(/[\s,]/g, '');
    // `import { type A, type B } from` is type-only as well: every name is marked
    const allNamedAreTypes =
      named !== undefined &&
      defaultOrNamespace === '' &&
      named
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    found.push({ specifier: m[3]!, kind: m[1] || allNamedAreTypes ? 'import-type' : 'import' });
  }
  for (const m of code.matchAll(exportFrom)) found.push({ specifier: m[3]!, kind: 'export-from' });
  for (const m of code.matchAll(sideEffect)) found.push({ specifier: m[1]!, kind: 'side-effect' });
  for (const m of code.matchAll(dynamicRef)) found.push({ specifier: m[1]!, kind: 'dynamic' });
  return found.filter((f) => f.specifier.startsWith('./') || f.specifier.startsWith('../'));
}

function listTsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listTsFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/** `x` → x.ts or x/index.ts; `x.js` (the nodenext spelling) → x.ts; undefined when none exists. */
function resolveSource(absolute: string): string | undefined {
  const bases = absolute.endsWith('.js') ? [absolute.slice(0, -3), absolute] : [absolute];
  for (const base of bases) {
    for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
      if (candidate.endsWith('.ts') && isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** Reads every .ts file under `root` and returns its files and the relative imports between them. */
export function buildImportGraph(root: string): ImportGraph {
  const absRoot = path.resolve(root);
  const files = listTsFiles(absRoot).sort();
  const nodes = files.map((f) => toPosix(path.relative(absRoot, f)));
  const edges: ImportEdge[] = [];
  const unresolved: ImportGraph['unresolved'] = [];
  const outside: ImportGraph['outside'] = [];
  for (const file of files) {
    const from = toPosix(path.relative(absRoot, file));
    const seen = new Set<string>();
    for (const { specifier, kind } of findImports(readFileSync(file, 'utf8'))) {
      const absolute = path.resolve(path.dirname(file), specifier);
      const insideRoot = !path.relative(absRoot, absolute).startsWith('..');
      if (!insideRoot) {
        outside.push({ from, specifier, target: absolute });
        continue;
      }
      const target = resolveSource(absolute);
      if (!target) {
        unresolved.push({ from, specifier });
        continue;
      }
      const to = toPosix(path.relative(absRoot, target));
      const key = `${to}\0${kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to, kind, specifier });
    }
  }
  return { nodes, edges, unresolved, outside };
}

/**
 * The cycles in the graph, each as a path a → b → … → a. Strongly connected components (Tarjan)
 * find where cycles are; then, for each file of a component, the shortest loop back to itself
 * inside it, so every file that sits on a cycle is named by at least one reported path.
 * Rotations of one loop are reported once, starting at its alphabetically first file.
 */
export function findCycles(graph: Pick<ImportGraph, 'nodes' | 'edges'>): string[][] {
  const out = new Map<string, string[]>();
  for (const n of graph.nodes) out.set(n, []);
  for (const e of graph.edges) {
    const list = out.get(e.from);
    if (list && !list.includes(e.to)) list.push(e.to);
  }
  for (const list of out.values()) list.sort();

  const cycles = new Map<string, string[]>();
  for (const component of stronglyConnected(graph.nodes, out)) {
    const members = new Set(component);
    for (const start of component) {
      const loop = shortestLoop(start, members, out);
      if (!loop) continue;
      const body = loop.slice(0, -1);
      const first = body.indexOf([...body].sort()[0]!);
      const rotated = [...body.slice(first), ...body.slice(0, first)];
      rotated.push(rotated[0]!);
      cycles.set(rotated.join(' -> '), rotated);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** Breadth-first from `start` through `members`, back to `start`: the loop, or undefined. */
function shortestLoop(start: string, members: Set<string>, out: Map<string, string[]>): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const w of out.get(node) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [start];
        for (let n: string | undefined = node; n !== undefined && n !== start; n = previous.get(n))
          loop.splice(1, 0, n);
        loop.push(start);
        return loop;
      }
      if (!previous.has(w)) {
        previous.set(w, node);
        queue.push(w);
      }
    }
  }
  return undefined;
}

/** Tarjan's strongly connected components, iterative (no recursion limit on deep trees). */
function stronglyConnected(nodes: string[], out: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
  };
  for (const start of nodes) {
    if (indexOf.has(start)) continue;
    visit(start);
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = out.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (!indexOf.has(w)) {
          visit(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, indexOf.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
