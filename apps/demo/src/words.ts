import { Temporal } from 'temporal-polyfill';

/** "1,200.00 USD" */
export function money(m: { amount: string; currencyCode: string } | undefined): string {
  if (!m) return '(none)';
  const [whole, cents = '00'] = m.amount.split('.');
  return `${Number(whole).toLocaleString('en-US')}.${cents.padEnd(2, '0')} ${m.currencyCode}`;
}

/** The instant on the customer's clock: "08:00" and "Friday 4 December". */
export function localClock(at: Date, zone: string): { time: string; day: string; zoned: Temporal.ZonedDateTime } {
  const zoned = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(zone);
  const time = `${String(zoned.hour).padStart(2, '0')}:${String(zoned.minute).padStart(2, '0')}`;
  const day = zoned.toPlainDate().toLocaleString('en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
  return { time, day, zoned };
}

/** "REASON_CODE_OPTED_OUT" -> "OPTED_OUT" */
export function enumWord(table: Record<number, string>, value: number, prefix: string): string {
  return (table[value] ?? String(value)).replace(prefix, '');
}

/** "in 6 h 12 min" */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h ? `${h} h ${minutes % 60} min` : `${minutes} min`;
}
