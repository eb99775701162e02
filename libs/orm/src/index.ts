export { recordAuditEvent, type AuditEvent } from './audit';
export { createOrm, type OrmOptions } from './create-orm';
export { isConnectionLost, translateDatabaseError } from './translate-database-error';
export { applyDeadline, inTransaction, pingDatabase } from './transactions';
export { pgTimestamp, pgTimestampRequired } from './raw-values';
export { sql } from './sql';
export { createOnce } from './create-once';
