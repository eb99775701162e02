/**
 * A rule that may hold or fail at an instant. When it fails it proposes the earliest instant
 * it could hold again, which must be a lower bound: the rule holds at no instant strictly
 * between `t` and `next`. The search in first-allowed-instant.ts relies on that to never
 * skip an allowed instant.
 */
import type { Channel, Outcome, ReasonCode } from './types';

export interface Blocked {
  code: ReasonCode;
  message: string;
  /** Earliest instant > t at which this rule could hold again; null = never. */
  next: number | null;
}

/** undefined = the rule allows contact at `t` (epoch ms). */
export type Check = (t: number) => Blocked | undefined;

/** A past contact with its instant in epoch ms. */
export interface ContactAt {
  channel: Channel;
  ms: number;
  outcome: Outcome;
}

/** Writes an instant for a message: the customer's local time when known, else UTC. */
export type FormatInstant = (ms: number) => string;
