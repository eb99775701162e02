import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file that holds nx.json. */
export function workspaceRoot(): string {
  let dir = resolve(__dirname);
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the workspace root (nx.json) above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** database/ (migrations, seeds); DATABASE_DIR overrides it, e.g. in a container image. */
export function databaseDir(): string {
  return process.env.DATABASE_DIR ? resolve(process.env.DATABASE_DIR) : join(workspaceRoot(), 'database');
}
