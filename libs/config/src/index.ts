export { bool, num, port, str, url } from 'envalid';
export { readEnv, ConfigError } from './read-env';
export type { CleanedEnv } from 'envalid';
export { intInRange, portOrZero } from './validators';
