export { bool, num, port, str, url } from 'envalid';
export { readEnv, ConfigError } from './read-env';
export { intInRange, portOrZero } from './validators';
