import { InvalidArgumentError, type Violations } from '@cec/errors';
import { pgTimestampRequired } from '@cec/orm';
import type { campaignsV1 } from '@cec/proto';
import { optionalUuid, requireUuid, text } from '@cec/validation';
import { statusesOf, statusFitsChannel } from '../domain/contact-status';
import type { ContactAttemptInput } from '../store/contact-attempt-writes';
import type { CommunicationRow } from '../store/contact-attempt-store';
import { channels, contactStatuses } from './enums';

/** Attempts are reported once they happened: a clock a little ahead is tolerated, the future is not (compliance refuses it too). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const MAX_METADATA_BYTES = 16_384;

/** A RecordContactAttempt request's attempt as the store's input; every problem goes to `v`. */
export function attemptInput(attempt: campaignsV1.ContactAttempt | undefined, requestId: string, v: Violations, now = new Date()): ContactAttemptInput {
  if (!attempt) throw InvalidArgumentError.field('attempt', 'is required');
  const p = 'attempt.';
  const channel = channels.from(attempt.channel, v, `${p}channel`, 'channel');
  const status = contactStatuses.from(attempt.status, v, `${p}status`, 'contact status');
  if (channel && status && !statusFitsChannel(channel, status)) {
    v.add(`${p}status`, `is not a status of ${channel} attempts (theirs: ${statusesOf(channel).join(', ')})`);
  }
  if (attempt.durationSeconds < 0) v.add(`${p}duration_seconds`, 'must not be negative');
  else if (attempt.durationSeconds > 0 && channel && channel !== 'phone') v.add(`${p}duration_seconds`, 'is for calls only');
  const at = attempt.attemptTime ?? now;
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) v.add(`${p}attempt_time`, 'must not be in the future (an attempt is recorded once it happened)');
  const decisionId = optionalUuid(v, `${p}decision_id`, attempt.decisionId);
  if (decisionId && channel === 'letter') v.add(`${p}decision_id`, 'letters are not decided by compliance: leave it empty');
  const metadata = attempt.metadata ?? {};
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) v.add(`${p}metadata`, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`);
  return {
    customerId: requireUuid(v, `${p}customer_id`, attempt.customerId),
    channel: channel as ContactAttemptInput['channel'],
    status: status as ContactAttemptInput['status'],
    attemptedAt: at,
    taskId: optionalUuid(v, `${p}task_id`, attempt.taskId) ?? null,
    campaignId: optionalUuid(v, `${p}campaign_id`, attempt.campaignId) ?? null,
    agentId: optionalUuid(v, `${p}agent_id`, attempt.agentId) ?? null,
    templateId: optionalUuid(v, `${p}template_id`, attempt.templateId) ?? null,
    durationSeconds: channel === 'phone' && attempt.durationSeconds > 0 ? attempt.durationSeconds : null,
    outcome: text(v, `${p}outcome`, attempt.outcome, { max: 200 }) || null,
    metadata,
    decisionId: decisionId ?? null,
    requestId: optionalUuid(v, 'request_id', requestId) ?? null,
  };
}

export function toContactAttempt(row: CommunicationRow): campaignsV1.ContactAttempt {
  return {
    id: row.id,
    customerId: row.customer_id,
    taskId: row.task_id ?? '',
    campaignId: row.campaign_id ?? '',
    agentId: row.agent_id ?? '',
    templateId: row.template_id ?? '',
    channel: channels.to(row.channel),
    status: contactStatuses.to(row.status),
    attemptTime: pgTimestampRequired(row.attempted_at),
    durationSeconds: row.duration ?? 0,
    outcome: row.outcome ?? '',
    metadata: row.metadata,
    decisionId: row.decision_id ?? '',
    createTime: pgTimestampRequired(row.created_at),
    updateTime: pgTimestampRequired(row.updated_at),
    companyName: row.company_name ?? '',
    templateName: row.template_name ?? '',
    agentName: row.agent_name ?? '',
    campaignName: row.campaign_name ?? '',
  };
}

/** A timestamptz as PostgreSQL writes it: the time part of a page token, checked before it reaches SQL. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function timestampKey(value: string): string {
  if (!TIMESTAMP_TEXT.test(value)) throw InvalidArgumentError.field('page_token', 'is not a token this API issued; pass next_page_token unchanged');
  return value;
}
