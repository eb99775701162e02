/**
 * How a contact attempt's status moves as receipts arrive (no transport, no ORM).
 *
 * Each channel has a tree of statuses rooted at `sent`; a receipt moves the attempt down its
 * branch, possibly skipping steps (an "opened" receipt that comes before "delivered"):
 *
 *   email   sent → delivered → opened → replied;  sent → bounced;  sent → failed
 *   sms     sent → delivered → replied;           sent → bounced;  sent → failed   (no read receipts: no opened)
 *   phone   sent → answered;                      sent → failed                    (no answer, voicemail: an outcome, not a status)
 *   letter  sent → delivered;                     sent → bounced (returned);  sent → failed
 *
 * A receipt for the status the attempt has, or one before it on its branch, changes nothing
 * (receipts arrive out of order). One on another branch (bounced after delivered, delivered
 * after bounced, anything after failed but sent) is refused: the receipts contradict each other.
 */
import type { Channel, ContactStatus } from './contact';

/** Each status's parent on the channel's tree (sent is the root); absent: not a status of that channel. */
const PARENT: Record<Channel, Partial<Record<ContactStatus, ContactStatus | null>>> = {
  email: { sent: null, delivered: 'sent', opened: 'delivered', replied: 'opened', bounced: 'sent', failed: 'sent' },
  sms: { sent: null, delivered: 'sent', replied: 'delivered', bounced: 'sent', failed: 'sent' },
  phone: { sent: null, answered: 'sent', failed: 'sent' },
  letter: { sent: null, delivered: 'sent', bounced: 'sent', failed: 'sent' },
};

/** The statuses an attempt on `channel` may have. */
export function statusesOf(channel: Channel): ContactStatus[] {
  return Object.keys(PARENT[channel]) as ContactStatus[];
}

export function statusFitsChannel(channel: Channel, status: ContactStatus): boolean {
  return status in PARENT[channel];
}

/** `ancestor` is `status` or comes before it on its branch. */
function isAtOrBefore(channel: Channel, ancestor: ContactStatus, status: ContactStatus): boolean {
  for (let s: ContactStatus | null | undefined = status; s; s = PARENT[channel][s]) if (s === ancestor) return true;
  return false;
}

/** What a receipt does to an attempt. */
export type StatusChange =
  | { kind: 'move' }
  | { kind: 'unchanged' }
  | { kind: 'refused'; reason: string };

/** The effect of a receipt saying `to` on an attempt on `channel` whose status is `from`. */
export function statusChange(channel: Channel, from: ContactStatus, to: ContactStatus): StatusChange {
  if (!statusFitsChannel(channel, to)) {
    return { kind: 'refused', reason: `${channel} attempts have no status ${to} (theirs: ${statusesOf(channel).join(', ')})` };
  }
  if (isAtOrBefore(channel, to, from)) return { kind: 'unchanged' };
  if (isAtOrBefore(channel, from, to)) return { kind: 'move' };
  return { kind: 'refused', reason: `the attempt is ${from}: a receipt saying ${to} contradicts that (an attempt on ${channel} moves ${branchOf(channel, from)})` };
}

/** "sent → delivered → opened → replied" for opened: the branch a status is on, from sent. */
function branchOf(channel: Channel, status: ContactStatus): string {
  const chain: ContactStatus[] = [];
  for (let s: ContactStatus | null | undefined = status; s; s = PARENT[channel][s]) chain.unshift(s);
  let tip = status;
  for (;;) {
    const next = statusesOf(channel).find((s) => PARENT[channel][s] === tip && s !== 'bounced' && s !== 'failed');
    if (!next) break;
    chain.push(next);
    tip = next;
  }
  return chain.join(' → ');
}

/** No receipt moves an attempt off this status. */
export function isFinal(channel: Channel, status: ContactStatus): boolean {
  return !statusesOf(channel).some((s) => s !== status && PARENT[channel][s] === status);
}
