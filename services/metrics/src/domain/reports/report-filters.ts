import type { Violations } from '@cec/errors';

/** agents.type (migration 001). */
export const AGENT_TYPES = ['email', 'phone', 'sms', 'research'] as const;
/** campaigns.status (migration 002). */
export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed', 'cancelled'] as const;
/** contact_attempts.channel (migration 010). */
export const CONTACT_CHANNELS = ['email', 'phone', 'sms', 'letter'] as const;

/** An optional filter that must be one of `allowed` when given: the value, undefined when empty, or a violation. */
export function optionalOneOf<T extends string>(v: Violations, field: string, value: string, allowed: readonly T[]): T | undefined {
  if (!value) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  v.add(field, `must be one of ${allowed.join(', ')} (or empty for all), got "${value.slice(0, 40)}"`);
  return undefined;
}
