import { pgTimestamp } from './raw-values';

describe('pgTimestamp', () => {
  it.each([
    ['2026-11-24 21:45:32.174+00', '2026-11-24T21:45:32.174Z'],
    ['2026-11-24 21:45:32+00', '2026-11-24T21:45:32.000Z'],
    ['2026-11-24 21:45:32.174123+00', '2026-11-24T21:45:32.174Z'],
    ['2026-11-24 21:45:32.1+05:30', '2026-11-24T16:15:32.100Z'],
  ])('%s', (text, iso) => {
    expect(pgTimestamp(text)?.toISOString()).toBe(iso);
  });

  it('keeps null and Dates', () => {
    expect(pgTimestamp(null)).toBeNull();
    const d = new Date();
    expect(pgTimestamp(d)).toBe(d);
  });
});
