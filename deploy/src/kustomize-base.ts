import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { KubernetesObject } from './kubernetes-schemas';

export interface KustomizeBase {
  /** kustomization.yaml as written. */
  kustomization: { namespace?: string; resources?: string[]; [field: string]: unknown };
  /** Every object of every file the kustomization lists, in order, as written (no kustomize transformations). */
  resources: KubernetesObject[];
}

/**
 * Reads a kustomize base the way kustomize starts to: kustomization.yaml, then each resource
 * file it lists (several YAML documents each). Only files: a directory or a URL among the
 * resources is refused, as is a document without apiVersion, kind or metadata.name.
 */
export function loadKustomizeBase(dir: string): KustomizeBase {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as KustomizeBase['kustomization'];
  const resources: KubernetesObject[] = [];
  for (const file of kustomization.resources ?? []) {
    if (!/\.ya?ml$/.test(file) || file.includes('://')) throw new Error(`${file}: only YAML files are read as resources`);
    for (const document of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
      const object = document.toJS() as KubernetesObject | null;
      if (object === null) continue;
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        throw new Error(`${file}: a document without apiVersion, kind or metadata.name`);
      }
      resources.push(object);
    }
  }
  return { kustomization, resources };
}
