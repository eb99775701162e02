/**
 * What happens to each kind of task, and how often: the one table of the simulator. Weights are
 * relative (each task type's add up to 100, read as percent). Work times are seconds at speed 1.
 *
 * - `complete`: CompleteTask with the contact status (contact tasks) and the disposition;
 * - `fail`: FailTask, retryable (the task comes back after a backoff) or not (failed for good),
 *   with the contact status when a contact was made (a bounce);
 * - `optOut`: the customer asked to stop; after completing, the agent records the opt-out at
 *   compliance (OptOutService.RecordOptOut, which the access policy grants the agent role), as a
 *   real integration does when an SMS reply says STOP or a called customer says "stop calling".
 */
import { campaignsV1, complianceV1 } from '@cec/proto';

const { ContactStatus: S, TaskType: T, AgentType: A } = campaignsV1;
const { OptOutSource } = complianceV1;

export type SimAgentType = 'email' | 'sms' | 'phone' | 'research';
export const SIM_AGENT_TYPES: readonly SimAgentType[] = ['email', 'sms', 'phone', 'research'];

export interface Outcome {
  /** The disposition: TaskResult.outcome, or the error's first word for a failure. */
  name: string;
  weight: number;
  action: 'complete' | 'fail';
  /** How the contact went (contact tasks only). */
  contactStatus?: campaignsV1.ContactStatus;
  /** Failures: may a later attempt succeed? */
  retryable?: boolean;
  /** Failures: the error reported. */
  error?: string;
  /** Calls: how long the call lasted, seconds (reported, not waited). */
  callSeconds?: readonly [number, number];
  notes?: string;
  /** The customer asked to stop being contacted on the task's channel, this way. */
  optOut?: complianceV1.OptOutSource;
}

export interface TaskPlan {
  agentType: SimAgentType;
  /** Seconds of work at speed 1, drawn uniformly between the two. */
  workSeconds: readonly [number, number];
  outcomes: readonly Outcome[];
}

/** Per agent type: its type in the contract and how many tasks one agent holds at once. */
export const AGENT_KINDS: Record<SimAgentType, { type: campaignsV1.AgentType; capacity: number }> = {
  email: { type: A.AGENT_TYPE_EMAIL, capacity: 3 },
  sms: { type: A.AGENT_TYPE_SMS, capacity: 3 },
  phone: { type: A.AGENT_TYPE_PHONE, capacity: 1 },
  research: { type: A.AGENT_TYPE_RESEARCH, capacity: 2 },
};

export const OUTCOMES: Partial<Record<campaignsV1.TaskType, TaskPlan>> = {
  [T.TASK_TYPE_SEND_EMAIL]: {
    agentType: 'email',
    workSeconds: [1, 3],
    outcomes: [
      { name: 'delivered', weight: 45, action: 'complete', contactStatus: S.CONTACT_STATUS_DELIVERED },
      { name: 'opened', weight: 25, action: 'complete', contactStatus: S.CONTACT_STATUS_OPENED },
      { name: 'replied', weight: 8, action: 'complete', contactStatus: S.CONTACT_STATUS_REPLIED, notes: 'Customer replied: payment is scheduled for next week.' },
      {
        name: 'unsubscribed',
        weight: 4,
        action: 'complete',
        contactStatus: S.CONTACT_STATUS_REPLIED,
        notes: 'Customer replied UNSUBSCRIBE.',
        optOut: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST,
      },
      { name: 'bounced', weight: 10, action: 'fail', retryable: false, contactStatus: S.CONTACT_STATUS_BOUNCED, error: 'bounced: 550 5.1.1 mailbox unavailable' },
      { name: 'smtp_timeout', weight: 8, action: 'fail', retryable: true, error: 'smtp_timeout: 451 4.4.2 the mail server timed out, try again later' },
    ],
  },
  [T.TASK_TYPE_SEND_SMS]: {
    agentType: 'sms',
    workSeconds: [0.5, 2],
    outcomes: [
      { name: 'delivered', weight: 66, action: 'complete', contactStatus: S.CONTACT_STATUS_DELIVERED },
      { name: 'replied', weight: 8, action: 'complete', contactStatus: S.CONTACT_STATUS_REPLIED, notes: 'Customer replied: "will pay on Friday".' },
      {
        name: 'stop_reply',
        weight: 10,
        action: 'complete',
        contactStatus: S.CONTACT_STATUS_REPLIED,
        notes: 'Customer replied STOP.',
        optOut: OptOutSource.OPT_OUT_SOURCE_REPLY_STOP,
      },
      { name: 'undeliverable', weight: 8, action: 'fail', retryable: false, contactStatus: S.CONTACT_STATUS_FAILED, error: 'undeliverable: the number does not take text messages' },
      { name: 'carrier_timeout', weight: 8, action: 'fail', retryable: true, error: 'carrier_timeout: the SMS gateway did not answer' },
    ],
  },
  [T.TASK_TYPE_MAKE_CALL]: {
    agentType: 'phone',
    workSeconds: [3, 12],
    outcomes: [
      { name: 'promise_to_pay', weight: 16, action: 'complete', contactStatus: S.CONTACT_STATUS_ANSWERED, callSeconds: [120, 480], notes: 'Promised to pay the balance within 7 days.' },
      { name: 'answered', weight: 12, action: 'complete', contactStatus: S.CONTACT_STATUS_ANSWERED, callSeconds: [60, 300], notes: 'Spoke to accounts payable; will check and call back.' },
      { name: 'dispute', weight: 5, action: 'complete', contactStatus: S.CONTACT_STATUS_ANSWERED, callSeconds: [180, 600], notes: 'Customer disputes the invoice amount.' },
      {
        name: 'asked_to_stop_calling',
        weight: 3,
        action: 'complete',
        contactStatus: S.CONTACT_STATUS_ANSWERED,
        callSeconds: [30, 90],
        notes: 'Customer asked us to stop calling.',
        optOut: OptOutSource.OPT_OUT_SOURCE_CUSTOMER_REQUEST,
      },
      { name: 'no_answer', weight: 30, action: 'complete', contactStatus: S.CONTACT_STATUS_SENT, callSeconds: [25, 40] },
      { name: 'voicemail', weight: 20, action: 'complete', contactStatus: S.CONTACT_STATUS_SENT, callSeconds: [30, 75], notes: 'Left a voicemail.' },
      { name: 'wrong_number', weight: 6, action: 'complete', contactStatus: S.CONTACT_STATUS_FAILED, callSeconds: [10, 40] },
      { name: 'dialer_unavailable', weight: 8, action: 'fail', retryable: true, error: 'dialer_unavailable: no outbound line free' },
    ],
  },
  [T.TASK_TYPE_SEND_LETTER]: {
    agentType: 'research',
    workSeconds: [2, 6],
    outcomes: [
      { name: 'posted', weight: 90, action: 'complete', contactStatus: S.CONTACT_STATUS_SENT },
      { name: 'returned_to_sender', weight: 10, action: 'fail', retryable: false, contactStatus: S.CONTACT_STATUS_BOUNCED, error: 'returned_to_sender: addressee unknown' },
    ],
  },
  [T.TASK_TYPE_RESEARCH]: {
    agentType: 'research',
    workSeconds: [5, 20],
    outcomes: [
      { name: 'found_new_contact', weight: 40, action: 'complete', notes: 'Found a new accounts payable contact.' },
      { name: 'contact_confirmed', weight: 30, action: 'complete', notes: 'The contact on file is right.' },
      { name: 'no_new_information', weight: 22, action: 'complete' },
      { name: 'source_unavailable', weight: 8, action: 'fail', retryable: true, error: 'source_unavailable: the company register did not answer' },
    ],
  },
  [T.TASK_TYPE_MANUAL_REVIEW]: {
    agentType: 'research',
    workSeconds: [3, 10],
    outcomes: [
      { name: 'continue_collection', weight: 70, action: 'complete', notes: 'Reviewed: continue the campaign.' },
      { name: 'dispute_found', weight: 20, action: 'complete', notes: 'Reviewed: the customer has an open dispute.' },
      { name: 'escalate_to_legal', weight: 10, action: 'complete', notes: 'Reviewed: hand over to legal.' },
    ],
  },
};

/** The task types an agent of this kind does. */
export function taskTypesOf(agentType: SimAgentType): campaignsV1.TaskType[] {
  return Object.entries(OUTCOMES)
    .filter(([, plan]) => plan?.agentType === agentType)
    .map(([type]) => Number(type) as campaignsV1.TaskType);
}

/** The plan of a task type; throws for a type the table does not know. */
export function planOf(type: campaignsV1.TaskType): TaskPlan {
  const plan = OUTCOMES[type];
  if (!plan) throw new Error(`no outcomes for task type ${campaignsV1.TaskType[type] ?? type}`);
  return plan;
}

/** One outcome of `plan`, drawn by weight with `random` (0 ≤ x < 1). */
export function drawOutcome(plan: TaskPlan, random: () => number): Outcome {
  const total = plan.outcomes.reduce((sum, o) => sum + o.weight, 0);
  let x = random() * total;
  for (const outcome of plan.outcomes) {
    x -= outcome.weight;
    if (x < 0) return outcome;
  }
  return plan.outcomes[plan.outcomes.length - 1];
}

/** A number between min and max, drawn with `random`. */
export function between([min, max]: readonly [number, number], random: () => number): number {
  return min + (max - min) * random();
}

/** The compliance service's channel for a campaigns channel (the two enums number them differently). */
export function complianceChannel(channel: campaignsV1.Channel): complianceV1.Channel {
  switch (channel) {
    case campaignsV1.Channel.CHANNEL_EMAIL:
      return complianceV1.Channel.CHANNEL_EMAIL;
    case campaignsV1.Channel.CHANNEL_SMS:
      return complianceV1.Channel.CHANNEL_SMS;
    case campaignsV1.Channel.CHANNEL_PHONE:
      return complianceV1.Channel.CHANNEL_PHONE;
    default:
      return complianceV1.Channel.CHANNEL_UNSPECIFIED;
  }
}
