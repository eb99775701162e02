import type { MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { complianceV1 } from '@cec/proto';
import type { EscalationStore } from '../store/escalation-store';
import { cancelOptedOutContactTasks, type BarredCustomer } from '../store/pending-task-cancel';
import { inBatches } from './batch-calls';
import { describeCallFailure } from '@cec/grpc';
import { askPeer, namesABadItem, type PassCallOptions } from './peer-calls';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/** Ids per BatchGetOptOutStatus (compliance takes 1-1000). */
const MAX_IDS = 1000;

const CHANNEL_NAMES = new Map<complianceV1.Channel, string>([
  [complianceV1.Channel.CHANNEL_EMAIL, 'email'],
  [complianceV1.Channel.CHANNEL_PHONE, 'phone'],
  [complianceV1.Channel.CHANNEL_SMS, 'sms'],
]);

export interface OptOutLook {
  cancelled: number;
  /** Customers compliance did not answer for (down, deadline): their tasks are looked at again later. */
  unanswered: number;
  /** Why, for the log (the first failure). */
  failure?: string;
}

/**
 * A contact task waits in the queue after compliance allowed it; the customer may opt out of
 * the channel (or all channels), or be marked do-not-contact, before an agent takes it. Each
 * pass looks at the next `limit` customers with pending contact tasks, in id order from where
 * the previous pass of this replica stopped (wrapping around), asks compliance for their
 * opt-out state in BatchGetOptOutStatus calls (whose do_not_contact is the customers service's
 * flag), and cancels the pending tasks on a barred channel, with an audit event each. A task an
 * agent already took is never cancelled (the contact may have been made and must be
 * recorded). Customers compliance could not answer for keep their tasks; when it answered for
 * none, the next pass looks at the same customers again.
 */
export class OptOutWatch {
  private after = FIRST_ID;

  constructor(
    private readonly orm: MikroORM,
    private readonly store: EscalationStore,
    private readonly compliance: complianceV1.OptOutServiceClient,
  ) {}

  async look(call: CallContext, limit: number, options: PassCallOptions): Promise<OptOutLook> {
    const customers = await this.store.customersWithPendingContacts(this.after, limit);
    const next = customers.length < limit ? FIRST_ID : customers[customers.length - 1];
    if (!customers.length) {
      this.after = next;
      return { cancelled: 0, unanswered: 0 };
    }
    const answers = await inBatches(
      customers,
      async (ids) => {
        const { statuses } = await askPeer(this.compliance, this.compliance.batchGetOptOutStatus, { customerIds: ids }, options);
        const byId = new Map(statuses.map((s) => [s.customerId, s]));
        return ids.map((id) => byId.get(id));
      },
      { max: MAX_IDS, split: namesABadItem },
    );
    const barred: BarredCustomer[] = [];
    let failure: string | undefined;
    answers.forEach((answer) => {
      if (!answer.ok || !answer.value) {
        failure ??= answer.ok ? 'not in the answer of compliance' : `compliance: ${describeCallFailure(answer.error)}`;
        return;
      }
      const { customerId, channels } = answer.value;
      barred.push({
        customerId,
        optedOut: channels.filter((c) => c.optedOut && !c.doNotContact).flatMap((c) => CHANNEL_NAMES.get(c.channel) ?? []),
        doNotContact: channels.some((c) => c.doNotContact),
      });
    });
    if (barred.length) this.after = next;
    const cancelled = await cancelOptedOutContactTasks(this.orm, call, barred);
    return { cancelled, unanswered: customers.length - barred.length, failure };
  }
}
