import { enumTable as table } from '@cec/grpc';
import { campaignsV1, customersV1 } from '@cec/proto';
import type { InvoiceStatus } from '../domain/campaign-invoices';
import type { CampaignStatus } from '../domain/campaign-state';
import type { AgentStatus, AgentType } from '../domain/agent';
import type { Channel, ContactStatus, TaskType } from '../domain/contact';
import type { TaskStatus } from '../domain/task';
import type { Priority, RiskLevel, StepAnchor } from '../domain/step';
import type { SmsEncoding } from '../domain/sms';
import type { Tone } from '../domain/template-rules';

const { Channel: C, ContactStatus: S, TaskType: TT, Priority: P, CampaignStatus: CS, StepAnchor: A } = campaignsV1;
const { RiskLevel: R, InvoiceStatus: I } = customersV1;

export const channels = table<Channel>([
  [C.CHANNEL_EMAIL, 'email'],
  [C.CHANNEL_SMS, 'sms'],
  [C.CHANNEL_PHONE, 'phone'],
  [C.CHANNEL_LETTER, 'letter'],
]);

export const contactStatuses = table<ContactStatus>([
  [S.CONTACT_STATUS_SENT, 'sent'],
  [S.CONTACT_STATUS_DELIVERED, 'delivered'],
  [S.CONTACT_STATUS_OPENED, 'opened'],
  [S.CONTACT_STATUS_ANSWERED, 'answered'],
  [S.CONTACT_STATUS_REPLIED, 'replied'],
  [S.CONTACT_STATUS_BOUNCED, 'bounced'],
  [S.CONTACT_STATUS_FAILED, 'failed'],
]);

export const taskTypes = table<TaskType>([
  [TT.TASK_TYPE_SEND_EMAIL, 'send_email'],
  [TT.TASK_TYPE_SEND_SMS, 'send_sms'],
  [TT.TASK_TYPE_MAKE_CALL, 'make_call'],
  [TT.TASK_TYPE_SEND_LETTER, 'send_letter'],
  [TT.TASK_TYPE_RESEARCH, 'research'],
  [TT.TASK_TYPE_MANUAL_REVIEW, 'manual_review'],
]);

export const priorities = table<Priority>([
  [P.PRIORITY_LOW, 'low'],
  [P.PRIORITY_MEDIUM, 'medium'],
  [P.PRIORITY_HIGH, 'high'],
  [P.PRIORITY_URGENT, 'urgent'],
]);

export const campaignStatuses = table<CampaignStatus>([
  [CS.CAMPAIGN_STATUS_DRAFT, 'draft'],
  [CS.CAMPAIGN_STATUS_ACTIVE, 'active'],
  [CS.CAMPAIGN_STATUS_PAUSED, 'paused'],
  [CS.CAMPAIGN_STATUS_COMPLETED, 'completed'],
  [CS.CAMPAIGN_STATUS_CANCELLED, 'cancelled'],
]);

export const stepAnchors = table<StepAnchor>([
  [A.STEP_ANCHOR_DUE_DATE, 'due_date'],
  [A.STEP_ANCHOR_PREVIOUS_STEP, 'previous_step'],
]);

/** escalation.customers.v1.RiskLevel. */
export const riskLevels = table<RiskLevel>([
  [R.RISK_LEVEL_LOW, 'low'],
  [R.RISK_LEVEL_MEDIUM, 'medium'],
  [R.RISK_LEVEL_HIGH, 'high'],
  [R.RISK_LEVEL_CRITICAL, 'critical'],
]);

/** escalation.customers.v1.InvoiceStatus (what the customers service answers). */
export const invoiceStatuses = table<InvoiceStatus>([
  [I.INVOICE_STATUS_PENDING, 'pending'],
  [I.INVOICE_STATUS_OVERDUE, 'overdue'],
  [I.INVOICE_STATUS_PARTIAL, 'partial'],
  [I.INVOICE_STATUS_PAID, 'paid'],
  [I.INVOICE_STATUS_CANCELLED, 'cancelled'],
]);

/** escalation.campaigns.v1.AgentType. */
export const agentTypes = table<AgentType>([
  [campaignsV1.AgentType.AGENT_TYPE_EMAIL, 'email'],
  [campaignsV1.AgentType.AGENT_TYPE_SMS, 'sms'],
  [campaignsV1.AgentType.AGENT_TYPE_PHONE, 'phone'],
  [campaignsV1.AgentType.AGENT_TYPE_RESEARCH, 'research'],
]);

/** escalation.campaigns.v1.AgentStatus. */
export const agentStatuses = table<AgentStatus>([
  [campaignsV1.AgentStatus.AGENT_STATUS_IDLE, 'idle'],
  [campaignsV1.AgentStatus.AGENT_STATUS_ACTIVE, 'active'],
  [campaignsV1.AgentStatus.AGENT_STATUS_BUSY, 'busy'],
  [campaignsV1.AgentStatus.AGENT_STATUS_ERROR, 'error'],
  [campaignsV1.AgentStatus.AGENT_STATUS_OFFLINE, 'offline'],
]);

/** escalation.campaigns.v1.TaskStatus. */
export const taskStatuses = table<TaskStatus>([
  [campaignsV1.TaskStatus.TASK_STATUS_PENDING, 'pending'],
  [campaignsV1.TaskStatus.TASK_STATUS_ASSIGNED, 'assigned'],
  [campaignsV1.TaskStatus.TASK_STATUS_IN_PROGRESS, 'in_progress'],
  [campaignsV1.TaskStatus.TASK_STATUS_COMPLETED, 'completed'],
  [campaignsV1.TaskStatus.TASK_STATUS_FAILED, 'failed'],
  [campaignsV1.TaskStatus.TASK_STATUS_CANCELLED, 'cancelled'],
]);

/** escalation.campaigns.v1.TemplateTone. */
export const tones = table<Tone>([
  [campaignsV1.TemplateTone.TEMPLATE_TONE_FRIENDLY, 'friendly'],
  [campaignsV1.TemplateTone.TEMPLATE_TONE_FIRM, 'firm'],
  [campaignsV1.TemplateTone.TEMPLATE_TONE_FINAL, 'final'],
  [campaignsV1.TemplateTone.TEMPLATE_TONE_LEGAL, 'legal'],
]);

/** escalation.campaigns.v1.SmsEncoding. */
export const smsEncodings = table<SmsEncoding>([
  [campaignsV1.SmsEncoding.SMS_ENCODING_GSM_7, 'GSM-7'],
  [campaignsV1.SmsEncoding.SMS_ENCODING_UCS_2, 'UCS-2'],
]);
