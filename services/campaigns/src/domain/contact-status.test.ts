import type { Channel, ContactStatus } from './contact';
import { isFinal, statusChange, statusesOf, statusFitsChannel } from './contact-status';

describe('statuses of each channel', () => {
  it.each<[Channel, ContactStatus[]]>([
    ['email', ['sent', 'delivered', 'opened', 'replied', 'bounced', 'failed']],
    ['sms', ['sent', 'delivered', 'replied', 'bounced', 'failed']],
    ['phone', ['sent', 'answered', 'failed']],
    ['letter', ['sent', 'delivered', 'bounced', 'failed']],
  ])('%s: %j', (channel, statuses) => {
    expect(statusesOf(channel)).toEqual(statuses);
    expect(statusFitsChannel(channel, 'answered')).toBe(channel === 'phone');
  });
});

describe('statusChange', () => {
  it.each<[Channel, ContactStatus, ContactStatus, 'move' | 'unchanged' | 'refused']>([
    // forward along the branch, steps skipped
    ['email', 'sent', 'delivered', 'move'],
    ['email', 'delivered', 'opened', 'move'],
    ['email', 'sent', 'opened', 'move'],
    ['email', 'opened', 'replied', 'move'],
    ['email', 'sent', 'replied', 'move'],
    ['sms', 'delivered', 'replied', 'move'],
    ['phone', 'sent', 'answered', 'move'],
    ['letter', 'sent', 'delivered', 'move'],
    ['email', 'sent', 'bounced', 'move'],
    ['sms', 'sent', 'failed', 'move'],
    ['phone', 'sent', 'failed', 'move'],
    ['letter', 'sent', 'bounced', 'move'],
    // the same or an earlier status: receipts out of order change nothing
    ['email', 'delivered', 'delivered', 'unchanged'],
    ['email', 'opened', 'delivered', 'unchanged'],
    ['email', 'replied', 'opened', 'unchanged'],
    ['email', 'replied', 'sent', 'unchanged'],
    ['sms', 'replied', 'delivered', 'unchanged'],
    ['phone', 'answered', 'sent', 'unchanged'],
    ['email', 'bounced', 'sent', 'unchanged'],
    ['email', 'bounced', 'bounced', 'unchanged'],
    ['phone', 'failed', 'failed', 'unchanged'],
    // another branch: the receipts contradict each other
    ['email', 'delivered', 'bounced', 'refused'],
    ['email', 'bounced', 'delivered', 'refused'],
    ['email', 'replied', 'bounced', 'refused'],
    ['email', 'failed', 'replied', 'refused'],
    ['email', 'bounced', 'failed', 'refused'],
    ['phone', 'answered', 'failed', 'refused'],
    ['phone', 'failed', 'answered', 'refused'],
    ['letter', 'delivered', 'bounced', 'refused'],
    // not a status of the channel
    ['sms', 'sent', 'opened', 'refused'],
    ['phone', 'sent', 'delivered', 'refused'],
    ['email', 'sent', 'answered', 'refused'],
    ['letter', 'delivered', 'replied', 'refused'],
  ])('%s %s → %s: %s', (channel, from, to, kind) => {
    expect(statusChange(channel, from, to).kind).toBe(kind);
  });

  it('says why it refuses', () => {
    expect(statusChange('email', 'delivered', 'bounced')).toEqual({
      kind: 'refused',
      reason: 'the attempt is delivered: a receipt saying bounced contradicts that (an attempt on email moves sent → delivered → opened → replied)',
    });
    expect(statusChange('email', 'bounced', 'delivered')).toEqual({
      kind: 'refused',
      reason: 'the attempt is bounced: a receipt saying delivered contradicts that (an attempt on email moves sent → bounced)',
    });
    expect(statusChange('sms', 'sent', 'opened')).toEqual({ kind: 'refused', reason: 'sms attempts have no status opened (theirs: sent, delivered, replied, bounced, failed)' });
  });
});

describe('isFinal', () => {
  it.each<[Channel, ContactStatus, boolean]>([
    ['email', 'sent', false],
    ['email', 'opened', false],
    ['email', 'replied', true],
    ['email', 'bounced', true],
    ['sms', 'delivered', false],
    ['phone', 'answered', true],
    ['phone', 'failed', true],
    ['letter', 'delivered', true],
  ])('%s %s: %s', (channel, status, final) => {
    expect(isFinal(channel, status)).toBe(final);
  });
});
