/**
 * Micro-benchmark of evaluateContact (not a test: jest only runs *.test.ts).
 *
 *   npx tsx services/compliance/src/domain/evaluate.bench.ts [part of a scenario's name]
 *
 * Prints milliseconds per evaluation for a customer with a known zone and for one whose
 * zone is unknown (every zone of the country is checked), with the US presets and with a
 * mix of every rule kind. The instants are fixed (spread over 2026, DST days included) so
 * runs compare; each scenario's decisions are hashed, so two versions of the code can be
 * checked to decide the same.
 */
import { createHash } from 'node:crypto';
import { evaluateContact, type ContactQuestion } from './evaluate';
import { PRESETS } from './presets';
import type { Channel, CustomerFacts, PastContact, Rule } from './types';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BASE = Date.parse('2026-01-01T00:00:00Z');

const presetRules: Rule[] = PRESETS.flatMap((p, pi) => p.rules.map((r, i) => ({ ...r, id: `p${pi}-${i}`, version: 1, active: true }) as Rule));

const US_HOLIDAYS = ['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-07-03', '2026-07-04', '2026-09-07', '2026-11-26', '2026-12-24', '2026-12-25'];

const mixedRules: Rule[] = [
  ...presetRules,
  rule('weekday_hours', 'contact_window', { start: '09:00', end: '17:30', days: [1, 2, 3, 4, 5] }, ['phone', 'sms']),
  rule('holidays', 'blackout_dates', { dates: US_HOLIDAYS }, ['email', 'phone', 'sms']),
  rule('sms_cap', 'frequency_cap', { maxAttempts: 3, windowDays: 30, countedOutcomes: ['delivered', 'replied'] }, ['sms']),
  rule('email_cooldown', 'conversation_cooldown', { days: 2, afterOutcomes: ['replied'] }, ['email', 'phone']),
  { ...rule('spring_hours', 'contact_window', { start: '10:00', end: '19:00' }, ['phone']), effectiveFrom: '2026-03-01', effectiveTo: '2026-05-31' },
  { ...rule('old_block', 'channel_block', {}, ['phone']), effectiveTo: '2025-12-31' },
];

function rule<T extends Rule['type']>(code: string, type: T, parameters: Extract<Rule, { type: T }>['parameters'], channels: Channel[]): Rule {
  return { id: code, version: 1, code, type, parameters, channels, scope: { kind: 'global' }, active: true } as Rule;
}

function otherCustomers(n: number): Rule[] {
  return Array.from({ length: n }, (_, i) => ({ ...rule(`own_hours_${i}`, 'contact_window', { start: '10:00', end: '16:00' }, ['phone']), scope: { kind: 'customer', customerId: `c-${i + 2}` } }) as Rule);
}

function customer(timeZone: string): CustomerFacts {
  return { customerId: 'c-1', timeZone, countryCode: 'US', regionCode: 'MA', doNotContact: false };
}

/** n questions at instants 4 h 23 min apart (about a year when n = 2000), each with `calls` calls, a day apart, before it. */
function questions(rules: Rule[], timeZone: string, n: number, channel: Channel = 'phone', calls = 10): ContactQuestion[] {
  return Array.from({ length: n }, (_, i) => {
    const at = BASE + i * (4 * HOUR_MS + 23 * 60_000);
    const history: PastContact[] = Array.from({ length: calls }, (_, k) => ({ channel: 'phone', at: new Date(at - (k + 1) * DAY_MS + 7 * HOUR_MS), outcome: k === 9 ? 'answered' : 'no_answer' }));
    return { rules, customer: customer(timeZone), channel, at: new Date(at), history, optedOut: false };
  });
}

interface Scenario {
  name: string;
  qs: ContactQuestion[];
}

const scenarios: Scenario[] = [
  { name: 'presets, known zone (America/New_York)', qs: questions(presetRules, 'America/New_York', 2000) },
  { name: 'presets, known zone, 1 call', qs: questions(presetRules, 'America/New_York', 2000, 'phone', 1) },
  { name: 'presets, unknown zone (29 US zones)', qs: questions(presetRules, '', 200) },
  { name: 'presets, unknown zone (29 US zones), 1 call', qs: questions(presetRules, '', 200, 'phone', 1) },
  { name: 'every rule kind, known zone (America/Chicago)', qs: questions(mixedRules, 'America/Chicago', 2000) },
  { name: 'every rule kind, known zone, sms', qs: questions(mixedRules, 'America/Los_Angeles', 2000, 'sms') },
  { name: 'every rule kind, unknown zone (29 US zones)', qs: questions(mixedRules, 'Mars/Olympus', 100) },
  { name: 'weekday window only, Australia/Lord_Howe', qs: questions(mixedRules.filter((r) => r.code === 'weekday_hours'), 'Australia/Lord_Howe', 2000) },
  // A batch's rule list holds the rules of every customer in it (decision-store.ts).
  { name: 'presets + 200 other customers\' rules, known zone', qs: questions([...presetRules, ...otherCustomers(200)], 'America/New_York', 2000) },
];

/** The first pass: cold caches (every instant and zone seen for the first time), with the decisions' digest. */
function firstPass(qs: readonly ContactQuestion[]): { ms: number; digest: string; results: Record<string, number> } {
  const hash = createHash('sha256');
  const results: Record<string, number> = {};
  let elapsed = 0;
  for (const q of qs) {
    const t0 = process.hrtime.bigint();
    const d = evaluateContact(q);
    elapsed += Number(process.hrtime.bigint() - t0);
    results[d.result] = (results[d.result] ?? 0) + 1;
    hash.update(JSON.stringify(d));
  }
  return { ms: elapsed / 1e6 / qs.length, digest: hash.digest('hex').slice(0, 12), results };
}

/** A warm pass: ms per evaluation over the whole loop. */
function warmPass(qs: readonly ContactQuestion[]): number {
  const t0 = process.hrtime.bigint();
  for (const q of qs) evaluateContact(q);
  return Number(process.hrtime.bigint() - t0) / 1e6 / qs.length;
}

// The machine may be shared: the best of 7 warm passes is the steadiest figure; the median is shown too.
const only = process.argv[2];
for (const { name, qs } of scenarios.filter((s) => !only || s.name.includes(only))) {
  const first = firstPass(qs);
  const warm = Array.from({ length: 7 }, () => warmPass(qs)).sort((a, b) => a - b);
  const counts = Object.entries(first.results)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`${name.padEnd(48)} ${warm[0].toFixed(4)} ms/eval best, ${warm[3].toFixed(4)} median, ${first.ms.toFixed(4)} first pass  [${counts}; ${first.digest}]`);
}
