import type { Violations } from '@cec/errors';

/**
 * A two-way table between a protobuf enum's numbers and the domain's names, for a service's
 * rpc/enums.ts: `enumTable<Channel>([[Channel.CHANNEL_EMAIL, 'email'], …])`. The enum's
 * UNSPECIFIED (0) has no name.
 */
export function enumTable<N extends string>(pairs: [number, N][]) {
  const toName = new Map(pairs);
  const toNumber = new Map(pairs.map(([n, name]) => [name, n]));
  return {
    /** The domain name, or undefined with a violation for 0 ("is required") and unknown numbers. */
    from(value: number, v: Violations, field: string, what: string): N | undefined {
      const name = toName.get(value);
      if (name === undefined) v.add(field, value === 0 ? 'is required' : `is not a known ${what} (${value})`);
      return name;
    },
    /** The domain name, or undefined for 0; unknown numbers are violations. */
    optional(value: number, v: Violations, field: string, what: string): N | undefined {
      return value === 0 ? undefined : this.from(value, v, field, what);
    },
    /** The number of a domain name; 0 for a name the table does not know. */
    to(name: string): number {
      return toNumber.get(name as N) ?? 0;
    },
  };
}
