/**
 * The first instant ≥ from at which every check holds at once. Each failing check proposes
 * the earliest instant it could hold again (a lower bound); the search jumps to the latest
 * of those and re-checks everything, so a window opening on a blackout day moves on to the
 * next day's window, and a cap ageing out at night waits for the window. Because no check
 * can hold before its proposal, no allowed instant is ever skipped.
 */
import type { Blocked, Check } from './constraint';

export interface RuleCheck<R> {
  rule: R;
  check: Check;
}

export interface Blocking<R> {
  rule: R;
  blocked: Blocked;
  /** The instant at which the rule was found blocking. */
  at: number;
}

export interface SearchResult<R> {
  /** The first allowed instant, or null when there is none within the horizon. */
  allowedAt: number | null;
  /** Why there is none: a rule that never allows it again, the horizon, or too many steps. */
  stoppedBy?: 'never' | 'horizon' | 'iterations';
  /** The first time each rule was found blocking, in the order found (the rules blocking at `from` come first). */
  blocking: Blocking<R>[];
  /** The rules blocking at the last instant checked. */
  lastBlocking: Blocking<R>[];
}

export const MAX_SEARCH_STEPS = 1000;

export function firstAllowedInstant<R>(checks: readonly RuleCheck<R>[], from: number, horizonEnd: number): SearchResult<R> {
  const blocking: Blocking<R>[] = [];
  let t = from;
  for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
    // Plain loops: this runs for every step of every evaluation.
    const now: Blocking<R>[] = [];
    let never = false;
    let next = Number.NEGATIVE_INFINITY;
    for (const { rule, check } of checks) {
      const blocked = check(t);
      if (!blocked) continue;
      now.push({ rule, blocked, at: t });
      if (blocked.next === null) never = true;
      else next = Math.max(next, blocked.next);
      if (!seen(blocking, rule)) blocking.push(now[now.length - 1]);
    }
    if (!now.length) return { allowedAt: t, blocking, lastBlocking: [] };
    if (never) return { allowedAt: null, stoppedBy: 'never', blocking, lastBlocking: now };
    if (next > horizonEnd) return { allowedAt: null, stoppedBy: 'horizon', blocking, lastBlocking: now };
    // Every proposal is after t; the max() guards the loop should a check ever break that.
    t = Math.max(next, t + 1);
  }
  return { allowedAt: null, stoppedBy: 'iterations', blocking, lastBlocking: [] };
}

function seen<R>(blocking: readonly Blocking<R>[], rule: R): boolean {
  for (const b of blocking) if (b.rule === rule) return true;
  return false;
}
