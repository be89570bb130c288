// `npm run build`: compile to dist/ (tsc, incremental) and write the entry points
// dist/main.js and dist/cli.js (tsc emits them under dist/src/ because the
// top-level migrations/ folder is compiled too).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
const ENTRIES = ['main', 'cli'];
const INPUTS = ['src', 'migrations', 'bench', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

/** True when dist/ is missing or older than any source or build setting. */
export function isStale() {
  if (!fs.existsSync(buildInfo) || ENTRIES.some((e) => !fs.existsSync(path.join(root, 'dist', `${e}.js`)))) return true;
  const built = fs.statSync(buildInfo).mtimeMs;
  return INPUTS.some((input) => newestMtime(path.join(root, input)) > built);
}

export function build() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  for (const entry of ENTRIES) {
    fs.writeFileSync(path.join(root, 'dist', `${entry}.js`), `require('./src/${entry}.js');\n`);
  }
  const now = new Date();
  fs.utimesSync(buildInfo, now, now); // tsc leaves it untouched when nothing changed
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch {
    process.exit(1);
  }
}
