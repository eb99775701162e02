import { amountProblem, decimal, formatAmount, isCurrencyCode, minorUnits } from './index';

describe('currencies', () => {
  it('knows ISO 4217 codes and their minor units', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('EUR')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('US')).toBe(false);
    expect([minorUnits('USD'), minorUnits('JPY'), minorUnits('BHD')]).toEqual([2, 0, 3]);
  });
});

describe('amounts', () => {
  it.each([
    ['1200.50', 'USD', undefined],
    ['1200.5', 'USD', undefined],
    ['1200.500', 'USD', undefined], // trailing zeros are not extra precision
    ['1500', 'JPY', undefined],
    ['12.125', 'BHD', undefined],
    ['1200.505', 'USD', 'USD has 2 decimal places, got "1200.505"'],
    ['15.5', 'JPY', 'JPY has 0 decimal places, got "15.5"'],
    ['-5', 'USD', 'must not be negative, got "-5"'],
    ['-', 'USD', 'must be a decimal string such as "1200.50", got "-"'],
    ['1e3', 'USD', 'must be a decimal string such as "1200.50", got "1e3"'],
    ['', 'USD', 'must be a decimal string such as "1200.50", got ""'],
    [' 5', 'USD', 'must be a decimal string such as "1200.50", got " 5"'],
  ])('%s %s -> %s', (amount, currency, problem) => {
    expect(amountProblem(amount, currency)).toBe(problem);
  });

  it('can require more than zero', () => {
    expect(amountProblem('0.00', 'USD', { positive: true })).toBe('must be more than zero');
    // The bug a new user hit: a negative payment was told it was not a decimal string.
    expect(amountProblem('-200.00', 'USD', { positive: true })).toBe('must be more than zero, got "-200.00"');
    expect(amountProblem('0.01', 'USD', { positive: true })).toBeUndefined();
  });

  it('adds exactly and formats to the currency', () => {
    expect(decimal('0.1').plus('0.2').eq('0.3')).toBe(true);
    expect(formatAmount('1200.5', 'USD')).toBe('1200.50');
    expect(formatAmount('1500.0000', 'JPY')).toBe('1500');
    expect(formatAmount(decimal('100').minus('33.333'), 'BHD')).toBe('66.667');
  });
});
