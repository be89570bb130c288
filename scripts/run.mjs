// `npm start` / `npm run cli`: build only when sources changed since the last
// build, then run dist/<entry>.js in this same process (no second Node start-up).
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, isStale, root } from './build.mjs';

const [entry] = process.argv.splice(2, 1);
if (entry !== 'main' && entry !== 'cli') {
  console.error('Usage: node scripts/run.mjs main|cli [arguments]');
  process.exit(2);
}
if (isStale()) {
  try {
    build();
  } catch {
    process.exit(1);
  }
}
await import(pathToFileURL(path.join(root, 'dist', `${entry}.js`)).href);
