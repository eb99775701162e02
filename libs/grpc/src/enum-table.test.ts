import { InvalidArgumentError, Violations } from '@cec/errors';
import { enumTable } from './enum-table';

describe('enumTable', () => {
  const colours = enumTable<'red' | 'blue'>([
    [1, 'red'],
    [2, 'blue'],
  ]);

  it('maps numbers to names and back', () => {
    const v = new Violations();
    expect(colours.from(2, v, 'colour', 'colour')).toBe('blue');
    expect(colours.to('red')).toBe(1);
    expect(colours.to('green')).toBe(0);
    expect(v.any).toBe(false);
  });

  it('says a required enum left unset is required, and an unknown number is unknown', () => {
    const v = new Violations();
    expect(colours.from(0, v, 'colour', 'colour')).toBeUndefined();
    expect(colours.from(7, v, 'paint.colour', 'colour')).toBeUndefined();
    expect(colours.optional(0, v, 'tint', 'colour')).toBeUndefined();
    expect(colours.optional(9, v, 'tint', 'colour')).toBeUndefined();
    expect(() => v.throwIfAny()).toThrow(InvalidArgumentError);
    expect(violationsOf(v)).toEqual([
      { field: 'colour', description: 'is required' },
      { field: 'paint.colour', description: 'is not a known colour (7)' },
      { field: 'tint', description: 'is not a known colour (9)' },
    ]);
  });
});

function violationsOf(v: Violations) {
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    return (error as InvalidArgumentError).violations;
  }
}
