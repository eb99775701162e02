/** Channels, task types and contact statuses of the campaigns domain (no transport, no ORM). */

export const CHANNELS = ['email', 'sms', 'phone', 'letter'] as const;
export type Channel = (typeof CHANNELS)[number];

export const TASK_TYPES = ['send_email', 'send_sms', 'make_call', 'send_letter', 'research', 'manual_review'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const CONTACT_STATUSES = ['sent', 'delivered', 'opened', 'answered', 'replied', 'bounced', 'failed'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** The channel a contact task type contacts on; undefined for research and manual review. */
export const TASK_CHANNEL: Record<TaskType, Channel | undefined> = {
  send_email: 'email',
  send_sms: 'sms',
  make_call: 'phone',
  send_letter: 'letter',
  research: undefined,
  manual_review: undefined,
};

/** Channels compliance decides and counts (letters are not its business). */
export function complianceGoverns(channel: Channel): channel is 'email' | 'sms' | 'phone' {
  return channel !== 'letter';
}

/** The customer responded: answered a call or replied. */
export function isResponse(status: ContactStatus): boolean {
  return status === 'answered' || status === 'replied';
}

/** The contact reached the customer (it did not bounce or fail). */
export function reachedCustomer(status: ContactStatus): boolean {
  return status !== 'bounced' && status !== 'failed';
}
