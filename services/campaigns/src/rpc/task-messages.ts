import { campaignsV1 } from '@cec/proto';
import { TASK_CHANNEL } from '../domain/contact';
import type { TaskContext, TaskResult } from '../domain/task';
import type { TaskRecord } from '../store/task-rows';
import { channels, contactStatuses, priorities, taskStatuses, taskTypes } from './enums';

const { SmsEncoding } = campaignsV1;

function smsEncodingOf(value: string | undefined): campaignsV1.SmsEncoding {
  if (!value) return SmsEncoding.SMS_ENCODING_UNSPECIFIED;
  if (/^gsm/i.test(value)) return SmsEncoding.SMS_ENCODING_GSM_7;
  if (/^ucs/i.test(value)) return SmsEncoding.SMS_ENCODING_UCS_2;
  return SmsEncoding.SMS_ENCODING_UNSPECIFIED;
}

function contentToProto(content: TaskContext['content']): campaignsV1.RenderedContent | undefined {
  if (!content) return undefined;
  return {
    channel: channels.to(content.channel),
    subject: content.subject ?? '',
    body: content.body ?? '',
    htmlBody: content.html_body ?? '',
    smsEncoding: smsEncodingOf(content.sms_encoding),
    smsSegments: content.sms_segments ?? 0,
    templateId: content.template_id ?? '',
    templateVersion: content.template_version ?? 0,
  };
}

function endpointToProto(endpoint: TaskContext['endpoint']): campaignsV1.ContactEndpoint | undefined {
  if (!endpoint) return undefined;
  return {
    email: endpoint.email ?? '',
    phone: endpoint.phone ?? '',
    contactName: endpoint.contact_name ?? '',
    companyName: endpoint.company_name ?? '',
    timeZone: endpoint.time_zone ?? '',
  };
}

function resultToProto(result: TaskResult | null): campaignsV1.TaskResult | undefined {
  if (!result) return undefined;
  return {
    contactStatus: result.contact_status ? contactStatuses.to(result.contact_status) : 0,
    outcome: result.outcome ?? '',
    durationSeconds: result.duration_seconds ?? 0,
    notes: result.notes ?? '',
    contactAttemptId: result.contact_attempt_id ?? '',
    details: result.details,
  };
}

/** A task with what its agent needs to act: content, endpoint, instructions and the compliance decision. */
export function taskToProto(t: TaskRecord): campaignsV1.Task {
  const channel = TASK_CHANNEL[t.type];
  return {
    id: t.id,
    customerId: t.customerId,
    campaignId: t.campaignId ?? '',
    stepIndex: t.stepIndex ?? -1,
    type: taskTypes.to(t.type),
    priority: priorities.to(t.priority),
    status: taskStatuses.to(t.status),
    channel: channel ? channels.to(channel) : 0,
    requiredCapabilities: t.requiredCapabilities,
    instructions: t.context.instructions ?? '',
    content: contentToProto(t.context.content),
    endpoint: endpointToProto(t.context.endpoint),
    decisionId: t.decisionId ?? '',
    scheduledTime: t.scheduledFor,
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    agentId: t.agentId ?? '',
    leaseExpireTime: t.leaseExpiresAt ?? undefined,
    lastError: t.lastError ?? '',
    result: resultToProto(t.result),
    createTime: t.createdAt,
    updateTime: t.updatedAt,
    completeTime: t.completedAt ?? undefined,
  };
}
