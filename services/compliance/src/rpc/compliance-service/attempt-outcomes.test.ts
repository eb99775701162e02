import { randomUUID } from 'node:crypto';
import { complianceV1 } from '@cec/proto';
import { call, snapshot } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';
import { complianceFixtures } from '../../testing/fixtures';

const h = useComplianceService();
const { newCustomer, auditEvents } = complianceFixtures(h);
/** The attempts and the audit events (not the seal columns the sequencer fills in later). */
const state = async () => ({
  compliance_contact_attempts: (await snapshot(h.db, ['compliance_contact_attempts'])).compliance_contact_attempts,
  audit_logs: await h.db.query('SELECT id, entity_type, entity_id, action, actor_type, actor_id, details FROM audit_logs ORDER BY id'),
});
const { Channel, ContactOutcome: O } = complianceV1;

const report = (attempts: Partial<complianceV1.ContactAttempt>[]) =>
  call(h.compliance, 'recordContactAttempts', { attempts: attempts.map((a) => complianceV1.ContactAttempt.fromPartial({ channel: Channel.CHANNEL_EMAIL, attemptTime: new Date(Date.now() - 60_000), ...a })) });
const stored = (attemptId: string) => h.db.query<{ outcome: string }>('SELECT outcome FROM compliance_contact_attempts WHERE attempt_id = $1', [attemptId]);

describe('RecordContactAttempts: outcomes that move on', () => {
  it('upgrades a recorded attempt to a further outcome, audits it, and does not count it as recorded', async () => {
    const customerId = await newCustomer();
    const attemptId = randomUUID();
    expect(await report([{ attemptId, customerId, outcome: O.CONTACT_OUTCOME_SENT }])).toEqual({ recordedCount: 1 });
    expect(await report([{ attemptId, customerId, outcome: O.CONTACT_OUTCOME_DELIVERED }])).toEqual({ recordedCount: 0 });
    expect(await stored(attemptId)).toEqual([{ outcome: 'delivered' }]);
    expect(await report([{ attemptId, customerId, outcome: O.CONTACT_OUTCOME_REPLIED }])).toEqual({ recordedCount: 0 });
    expect(await stored(attemptId)).toEqual([{ outcome: 'replied' }]);
    expect((await auditEvents(attemptId)).map((e) => [e.action, e.details.from, e.details.to])).toEqual([
      ['recorded', undefined, undefined],
      ['outcome_upgraded', 'sent', 'delivered'],
      ['outcome_upgraded', 'delivered', 'replied'],
    ]);
  });

  it('changes nothing for a repeat or an earlier outcome arriving late, and counts only the new attempts of a batch', async () => {
    const customerId = await newCustomer();
    const answered = randomUUID();
    const opened = randomUUID();
    await report([
      { attemptId: answered, customerId, channel: Channel.CHANNEL_PHONE, outcome: O.CONTACT_OUTCOME_ANSWERED },
      { attemptId: opened, customerId, outcome: O.CONTACT_OUTCOME_OPENED },
    ]);
    const before = await state();
    const fresh = randomUUID();
    expect(
      await report([
        { attemptId: answered, customerId, channel: Channel.CHANNEL_PHONE, outcome: O.CONTACT_OUTCOME_SENT },
        { attemptId: opened, customerId, outcome: O.CONTACT_OUTCOME_DELIVERED },
        { attemptId: fresh, customerId, outcome: O.CONTACT_OUTCOME_BOUNCED },
      ]),
    ).toEqual({ recordedCount: 1 });
    expect(await stored(answered)).toEqual([{ outcome: 'answered' }]);
    expect(await stored(opened)).toEqual([{ outcome: 'opened' }]);
    expect(await stored(fresh)).toEqual([{ outcome: 'bounced' }]);
    // only the new attempt and its audit event were added
    const after = await state();
    expect(after.compliance_contact_attempts.rows).toBe(before.compliance_contact_attempts.rows + 1);
    expect(after.audit_logs.filter((e) => !before.audit_logs.some((b) => b.id === e.id))).toEqual([expect.objectContaining({ entity_id: fresh, action: 'recorded' })]);
    expect(after.audit_logs).toHaveLength(before.audit_logs.length + 1);
    expect(await report([{ attemptId: opened, customerId, outcome: O.CONTACT_OUTCOME_OPENED }])).toEqual({ recordedCount: 0 });
    expect(await state()).toEqual(after);
  });
});
