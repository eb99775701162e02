// Narrows the repository's package.json to the npm packages a bundle requires, so that
// `npm prune --omit=dev` then leaves in node_modules only those and what they depend on (the
// versions of package-lock.json): a service's image carries its own dependencies, not every
// service's. For the build stage of a Dockerfile (it rewrites package.json in place):
//   node deploy/scripts/keep-bundle-dependencies.mjs dist/services/customers && npm prune --omit=dev
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [bundleDir] = process.argv.slice(2);
if (!bundleDir) {
  console.error('usage: keep-bundle-dependencies.mjs <bundle dir>');
  process.exit(2);
}

// esbuild leaves each external as require("<package>[/<path>]") in the bundle's CommonJS.
const required = new Set();
for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
  for (const [, specifier] of readFileSync(join(bundleDir, file), 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) continue;
    const parts = specifier.split('/');
    required.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const missing = [...required].filter((name) => !(name in manifest.dependencies));
if (missing.length > 0) {
  console.error(`${bundleDir} requires ${missing.join(', ')}, not among package.json's dependencies`);
  process.exit(1);
}
const kept = Object.fromEntries(Object.entries(manifest.dependencies).filter(([name]) => required.has(name)));
delete manifest.workspaces;
delete manifest.devDependencies;
manifest.dependencies = kept;
writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${bundleDir}: keeps ${Object.keys(kept).length} of the repository's dependencies: ${Object.keys(kept).join(', ')}`);
