import * as fs from 'node:fs';
import * as path from 'node:path';
import madge from 'madge';

/**
 * The structure the code keeps (docs/architecture.md): no import cycle between
 * files; feature folders depend one way only; the shared layers (common,
 * config, database) depend on no feature; SQL runs in repositories (and
 * database/, and migrations/ outside src/) only.
 */

const SRC = __dirname;
/** Folders every feature may use, which use no feature themselves. */
const SHARED_LAYERS = new Set(['common', 'config', 'database']);
/** Where a statement may be run: repositories, and the database layer itself. */
const RUNS_SQL = /(\.repository\.ts$|^database\/)/;

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '(root)');

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(SRC, {
    fileExtensions: ['ts'],
    tsConfig: path.join(SRC, '..', 'tsconfig.json'),
    excludeRegExp: [/\.spec\.ts$/],
  });
  // Only src/ itself (migrations/ and package.json are imported from outside it).
  graph = Object.fromEntries(
    Object.entries(result.obj())
      .filter(([file]) => !file.startsWith('..'))
      .map(([file, deps]) => [file, deps.filter((d) => !d.startsWith('..'))]),
  );
  cycles = result.circular();
}, 60_000);

describe('architecture', () => {
  it('reads the whole source tree', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(150);
    expect(graph['app.module.ts']).toEqual(expect.arrayContaining(['grants/grants.module.ts', 'memories/memories.module.ts']));
  });

  it('has no import cycle between files (type imports included)', () => {
    expect(cycles).toEqual([]);
  });

  it('has no two folders that import each other', () => {
    const edges = new Set<string>();
    for (const [file, deps] of Object.entries(graph)) {
      for (const dep of deps) if (folderOf(file) !== folderOf(dep)) edges.add(`${folderOf(file)} -> ${folderOf(dep)}`);
    }
    const twoWay = [...edges].filter((e) => {
      const [from, to] = e.split(' -> ');
      return from !== '(root)' && to !== '(root)' && edges.has(`${to} -> ${from}`);
    });
    expect(twoWay.filter((e) => !e.startsWith('common') && !e.startsWith('config') && !e.startsWith('database'))).toEqual([]);
    // The shared layers may lean on each other (config reads common's time-zone rules, common reads the config), never on a feature.
    const sharedOnFeature = [...edges].filter((e) => {
      const [from, to] = e.split(' -> ');
      return SHARED_LAYERS.has(from) && !SHARED_LAYERS.has(to);
    });
    expect(sharedOnFeature).toEqual([]);
  });

  it('runs SQL in repositories and database/ only', () => {
    const offenders: string[] = [];
    for (const file of Object.keys(graph)) {
      if (RUNS_SQL.test(file)) continue;
      const text = fs.readFileSync(path.join(SRC, file), 'utf8');
      if (/\.query\(|preparedQuery\(|createQueryBuilder\(/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
