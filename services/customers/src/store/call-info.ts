/** What the store needs to know about the call it works for. */
export interface CallInfo {
  actor: { type: 'user' | 'service' | 'agent' | 'system'; id: string };
  requestId: string;
  deadline?: Date;
}

/** Work the service does on its own (the overdue sweeper). */
export const SYSTEM_CALL: CallInfo = { actor: { type: 'system', id: 'customers.overdue_sweeper' }, requestId: 'overdue-sweep' };
