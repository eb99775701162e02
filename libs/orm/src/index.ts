export { auditEventsPayload, recordAuditEvent, recordAuditEvents, type AuditEvent } from './audit';
export {
  startAuditSequencer,
  type AuditSequencer,
  type AuditSequencerLogger,
  type AuditSequencerOptions,
  type RunStatement,
} from './audit-sequencer';
export { createOrm, STATEMENT_TIMEOUT_BACKSTOP_MS, type OrmOptions } from './create-orm';
export { isConnectionLost, translateDatabaseError } from './translate-database-error';
export { applyDeadline, inTransaction, pingDatabase } from './transactions';
export { pgTimestamp, pgTimestampRequired } from './raw-values';
export { sql, type SqlTarget } from './sql';
export { inSqlTransaction, SqlTransaction } from './sql-transaction';
export { runStatement, type StatementOptions } from './run-statement';
export { createOnce } from './create-once';
