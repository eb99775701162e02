/**
 * A time zone's UTC offsets, fast. Temporal (temporal-polyfill) is the authority on every
 * offset here, but each question costs it ~10 µs of object and BigInt work, and an evaluation
 * asks hundreds. A ZoneClock asks Temporal once per zone and per block of 32 days, and keeps
 * what it said about the block:
 *
 *   - the offset at the block's first instant, and
 *   - every transition inside the block (getTimeZoneTransition('next'), repeated), each with
 *     the offset it starts.
 *
 * The offset at any instant of the block is then the last of those in force: a lookup, equal
 * to Temporal's answer because the polyfill's offset function is exactly a step function whose
 * steps are the transitions it reports (it samples each zone at fixed periods and bisects
 * where two samples differ; getTimeZoneTransition walks the same samples and bisections). As a
 * check, Temporal's offset at the block's last millisecond must be the one the transitions
 * predict; a block that fails it (never seen) is not trusted, and its instants are asked of
 * Temporal directly. The tests compare the cache with Temporal for many instants of zones with
 * odd rules (Lord Howe's 30-minute DST, Chatham's +12:45, Apia's skipped day).
 *
 * Instants outside 1900..2400, and the rare questions the cache cannot answer exactly (a wall
 * time in a gap), go to Temporal as before. Zone names come from customer data: at most
 * MAX_ZONES clocks and MAX_BLOCKS blocks are kept; past that the caches start over.
 */
import { Temporal } from 'temporal-polyfill';
import { civilOf, DAY_MS } from './civil';

const BLOCK_MS = 32 * DAY_MS;
const FIRST_BLOCK = Math.floor(Date.UTC(1900, 0, 1) / BLOCK_MS);
const END_BLOCK = Math.floor(Date.UTC(2400, 0, 1) / BLOCK_MS);
/** About 100 bytes each: a few MB at most (a year of all ~600 zones is ~7,000 blocks). */
const MAX_BLOCKS = 50_000;
const MAX_ZONES = 2_000;

interface Block {
  /** The offset (ms) at the block's first instant. */
  startOffset: number;
  /** Transitions inside the block, ascending (epoch ms), and the offset (ms) each one starts. */
  transitions: number[];
  offsets: number[];
  /** False when Temporal's offset at the block's end disagreed with the transitions. */
  trusted: boolean;
}

/** How to read a local time that happens twice (or never): Temporal's disambiguation, or the start of a day. */
export type Reading = 'earlier' | 'later' | 'startOfDay';

let cachedBlocks = 0;
const clocks = new Map<string, ZoneClock>();

/** The clock of a zone Temporal knows (an unknown name throws RangeError at the first question, as Temporal does). */
export function clockFor(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (!clock) {
    if (clocks.size >= MAX_ZONES) forgetAll();
    clock = new ZoneClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

function forgetAll(): void {
  for (const clock of clocks.values()) clock.forget();
  clocks.clear();
  cachedBlocks = 0;
}

export class ZoneClock {
  private readonly blocks = new Map<number, Block>();
  // The block used last: most questions in a row fall in one block.
  private lastIndex = Number.NaN;
  private lastBlock: Block | undefined;

  constructor(readonly zone: string) {}

  /** The UTC offset in force at an instant, in ms (Temporal's offsetNanoseconds / 1e6). */
  offsetAt(ms: number): number {
    const block = this.blockAt(Math.floor(ms / BLOCK_MS));
    if (!block) return temporalOffset(this.zone, ms);
    let offset = block.startOffset;
    // Transitions fall on whole seconds, so `ms >= at` is Temporal's own test (it floors to seconds).
    for (let i = 0; i < block.transitions.length && ms >= block.transitions[i]; i++) offset = block.offsets[i];
    return offset;
  }

  /** The wall clock at an instant, as local milliseconds (see civil.ts). */
  localAt(ms: number): number {
    return ms + this.offsetAt(ms);
  }

  /**
   * The instant at which the wall clock reads `local`, as Temporal gives it: 'earlier' and
   * 'later' as PlainDateTime#toZonedDateTime's disambiguation, 'startOfDay' as
   * PlainDate#toZonedDateTime (the earlier reading, or the end of the gap when skipped).
   *
   * The possible instants are found as the polyfill finds them (getPossibleInstantsFor): the
   * offsets a day before and after; if equal, one instant; else a check of each. A repeated
   * time has two; a skipped one has none, and is handed to Temporal, with all its rules for gaps.
   */
  instantOf(local: number, reading: Reading): number {
    const subSecond = ((local % 1000) + 1000) % 1000;
    const l = local - subSecond; // the polyfill works in whole seconds and adds the rest back
    if (!this.cached(l - 2 * DAY_MS) || !this.cached(l + 2 * DAY_MS)) return this.temporalInstantOf(local, reading);
    const wide0 = this.offsetAt(l - DAY_MS);
    const wide1 = this.offsetAt(l + DAY_MS);
    if (wide0 === wide1) return l - wide0 + subSecond;
    const narrow0 = this.offsetAt(l - wide0);
    if (narrow0 === this.offsetAt(l - wide1)) return l - narrow0 + subSecond;
    if (wide0 > wide1) return (reading === 'later' ? l - wide1 : l - wide0) + subSecond;
    return this.temporalInstantOf(local, reading);
  }

  /** The first transition T with after < T <= until (Temporal's getTimeZoneTransition('next')), or NaN when there is none. */
  nextTransition(after: number, until: number): number {
    for (let index = Math.floor(after / BLOCK_MS); index * BLOCK_MS <= until; index++) {
      const block = this.blockAt(index);
      if (!block) return this.temporalNextTransition(after, until);
      for (const at of block.transitions) if (at > after && at <= until) return at;
    }
    return Number.NaN;
  }

  /** Drops the cached blocks (the caches are full). */
  forget(): void {
    this.blocks.clear();
    this.lastIndex = Number.NaN;
    this.lastBlock = undefined;
  }

  private cached(ms: number): boolean {
    const index = Math.floor(ms / BLOCK_MS);
    return index >= FIRST_BLOCK && index < END_BLOCK;
  }

  private blockAt(index: number): Block | undefined {
    if (index === this.lastIndex) return this.lastBlock;
    if (!(index >= FIRST_BLOCK && index < END_BLOCK)) return undefined;
    let block = this.blocks.get(index);
    if (!block) {
      if (cachedBlocks >= MAX_BLOCKS) forgetAll();
      block = this.readBlock(index);
      this.blocks.set(index, block);
      cachedBlocks++;
    }
    const usable = block.trusted ? block : undefined;
    this.lastIndex = index;
    this.lastBlock = usable;
    return usable;
  }

  /** What Temporal says about one block: its first offset and its transitions. */
  private readBlock(index: number): Block {
    const start = index * BLOCK_MS;
    const end = start + BLOCK_MS;
    const first = zonedAt(start, this.zone);
    const transitions: number[] = [];
    const offsets: number[] = [];
    for (let t = first.getTimeZoneTransition('next'); t && t.epochMilliseconds < end; t = t.getTimeZoneTransition('next')) {
      transitions.push(t.epochMilliseconds);
      offsets.push(t.offsetNanoseconds / 1e6);
    }
    const startOffset = first.offsetNanoseconds / 1e6;
    const lastOffset = offsets.length ? offsets[offsets.length - 1] : startOffset;
    return { startOffset, transitions, offsets, trusted: temporalOffset(this.zone, end - 1) === lastOffset };
  }

  private temporalInstantOf(local: number, reading: Reading): number {
    const day = Math.floor(local / DAY_MS);
    const { year, month, day: dayOfMonth } = civilOf(day);
    if (reading === 'startOfDay' && local === day * DAY_MS) {
      return new Temporal.PlainDate(year, month, dayOfMonth).toZonedDateTime({ timeZone: this.zone }).epochMilliseconds;
    }
    let rest = local - day * DAY_MS;
    const ms = rest % 1000;
    const second = (rest = (rest - ms) / 1000) % 60;
    const minute = (rest = (rest - second) / 60) % 60;
    const hour = (rest - minute) / 60;
    const wall = new Temporal.PlainDateTime(year, month, dayOfMonth, hour, minute, second, ms);
    return wall.toZonedDateTime(this.zone, { disambiguation: reading === 'later' ? 'later' : 'earlier' }).epochMilliseconds;
  }

  private temporalNextTransition(after: number, until: number): number {
    const next = zonedAt(after, this.zone).getTimeZoneTransition('next');
    return next && next.epochMilliseconds <= until ? next.epochMilliseconds : Number.NaN;
  }
}

function zonedAt(ms: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
}

function temporalOffset(zone: string, ms: number): number {
  return zonedAt(ms, zone).offsetNanoseconds / 1e6;
}
