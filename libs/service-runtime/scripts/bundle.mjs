// Bundles entry points into one folder of plain JavaScript for a container image.
// Workspace libs (@cec/*, TypeScript sources) are compiled in; npm dependencies stay
// external and come from node_modules at run time.
//   node libs/service-runtime/scripts/bundle.mjs <outdir> <name>=<entry.ts> [<name>=<entry.ts> ...]
// e.g. a service:  bundle.mjs dist/services/customers main=services/customers/src/main.ts \
//                    healthcheck=libs/service-runtime/scripts/grpc-health-probe.ts
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const [outdir, ...entries] = process.argv.slice(2);
if (!outdir || entries.length === 0 || entries.some((e) => !e.includes('='))) {
  console.error('usage: bundle.mjs <outdir> <name>=<entry.ts> [...]');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(entries.map((e) => e.split('='))),
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: Object.keys(dependencies).flatMap((dependency) => [dependency, `${dependency}/*`]),
  logLevel: 'info',
});
