export * from './domain-errors';
export { Violations } from './violations';
