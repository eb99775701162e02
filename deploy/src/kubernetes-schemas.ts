import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

/** A Kubernetes object as parsed from YAML: apiVersion and kind say what the rest must be. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}

/**
 * The kinds the base may hold, each with its model from kubernetes-models (the Kubernetes
 * OpenAPI schemas, compiled). A kind not listed here is refused: add its model when the base
 * needs one more.
 */
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Checks an object against the schema of its apiVersion and kind; throws naming what is wrong. */
export function validateAgainstSchema(object: KubernetesObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`${key} ${object.metadata?.name}: no schema for this kind (known: ${Object.keys(MODELS).join(', ')})`);
  new Model(object as never).validate();
}
