/** Builders for the domain tests: a rule, a customer, a past contact, a decision question. */
import { evaluateContact, type ContactQuestion } from './evaluate';
import type { Channel, CustomerFacts, Decision, Outcome, PastContact, Rule, RuleParametersByType, RuleScope, RuleType } from './types';

let nextId = 1;

/** A ContactQuestion with defaults, its instant as ISO text. */
export type Question = Omit<Partial<ContactQuestion>, 'at'> & { at: string };

export function rule<T extends RuleType>(
  type: T,
  parameters: RuleParametersByType[T],
  more: { code?: string; channels?: Channel[]; scope?: RuleScope; active?: boolean; effectiveFrom?: string; effectiveTo?: string; version?: number } = {},
): Rule {
  const id = `rule-${nextId++}`;
  return {
    id,
    version: more.version ?? 1,
    code: more.code ?? `${type}_${id.replace('-', '_')}`,
    type,
    parameters,
    channels: more.channels ?? ['phone'],
    scope: more.scope ?? { kind: 'global' },
    active: more.active ?? true,
    ...(more.effectiveFrom ? { effectiveFrom: more.effectiveFrom } : {}),
    ...(more.effectiveTo ? { effectiveTo: more.effectiveTo } : {}),
  } as Rule;
}

export function customer(more: Partial<CustomerFacts> = {}): CustomerFacts {
  return { customerId: 'cust-1', timeZone: 'America/New_York', countryCode: 'US', regionCode: 'NY', doNotContact: false, ...more };
}

export function contact(iso: string, outcome: Outcome = 'sent', channel: Channel = 'phone'): PastContact {
  return { channel, at: new Date(iso), outcome };
}

export function decide(q: Question): Decision {
  return evaluateContact({
    rules: q.rules ?? [],
    customer: q.customer ?? customer(),
    channel: q.channel ?? 'phone',
    history: q.history ?? [],
    optedOut: q.optedOut ?? false,
    ...(q.horizonDays !== undefined ? { horizonDays: q.horizonDays } : {}),
    at: new Date(q.at),
  });
}

/** The decision's result and notBefore as ISO text, for one-line expectations. */
export function outcomeOf(d: Decision): string {
  return d.notBefore ? `${d.result} ${d.notBefore.toISOString()}` : d.result;
}

/**
 * Checks that a DEFER's notBefore is the first allowed instant: allowed then, and not
 * allowed one millisecond earlier (a later answer would pass a looser test).
 */
export function expectFirstAllowed(q: Question, expectedIso: string): void {
  const d = decide(q);
  expect(outcomeOf(d)).toBe(`DEFER ${expectedIso}`);
  expect(decide({ ...q, at: expectedIso }).result).toBe('ALLOW');
  expect(decide({ ...q, at: new Date(Date.parse(expectedIso) - 1).toISOString() }).result).not.toBe('ALLOW');
}
