export * from './database-url';
export * from './database-target';
export * from './embedded-postgres';
export * from './workspace';
export * from './migrations/migration-files';
export * from './migrations/migrator';
export * from './seeds';
export { resetDatabase } from './reset';
