import type { Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import type { Channel, ContactStatus } from '../domain/contact';

const { Channel: C, ContactStatus: S } = campaignsV1;

/** A two-way table between a proto enum and domain names; UNSPECIFIED (0) has no name. */
function table<N extends string>(pairs: [number, N][]) {
  const toName = new Map(pairs);
  const toNumber = new Map(pairs.map(([n, name]) => [name, n]));
  return {
    /** The domain name, or undefined with a violation for 0 and unknown numbers. */
    from(value: number, v: Violations, field: string, what: string): N | undefined {
      const name = toName.get(value);
      if (name === undefined) v.add(field, value === 0 ? 'is required' : `is not a known ${what} (${value})`);
      return name;
    },
    /** The domain name or undefined for 0; unknown numbers are violations. */
    optional(value: number, v: Violations, field: string, what: string): N | undefined {
      return value === 0 ? undefined : this.from(value, v, field, what);
    },
    to(name: string): number {
      return toNumber.get(name as N) ?? 0;
    },
  };
}

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
