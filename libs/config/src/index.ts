export { bool, num, port, str, url } from 'envalid';
export { readEnv, ConfigError } from './read-env';
