import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';

const script = join(workspaceRoot(), 'deploy', 'scripts', 'keep-bundle-dependencies.mjs');

describe('keep-bundle-dependencies.mjs (the Dockerfiles narrow package.json to what the bundle requires)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keep-deps-'));
    mkdirSync(join(dir, 'bundle'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'repo',
        workspaces: ['services/*'],
        dependencies: { pg: '8.0.0', '@grpc/grpc-js': '1.0.0', yaml: '2.0.0', handlebars: '4.0.0' },
        devDependencies: { jest: '30.0.0' },
      }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = () => spawnSync(process.execPath, [script, 'bundle'], { cwd: dir, encoding: 'utf8' });

  it("keeps the packages the bundle's files require (scoped, with subpaths), and no workspaces or dev dependencies", () => {
    writeFileSync(join(dir, 'bundle', 'main.js'), 'var a = require("pg"); var b = require("@grpc/grpc-js/build/src/x"); var c = require("node:fs"); var d = require("fs"); var e = require("./chunk");');
    writeFileSync(join(dir, 'bundle', 'healthcheck.js'), 'var y = require("yaml/util");');
    const result = run();
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ pg: '8.0.0', '@grpc/grpc-js': '1.0.0', yaml: '2.0.0' });
    expect(manifest.workspaces).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('refuses a bundle that requires a package the repository does not depend on, and changes nothing', () => {
    writeFileSync(join(dir, 'bundle', 'main.js'), 'require("pg"); require("left-pad");');
    const before = readFileSync(join(dir, 'package.json'), 'utf8');
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('left-pad');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(before);
  });
});
