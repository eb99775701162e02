import { InvalidArgumentError, Violations, type FieldViolation } from '@cec/errors';
import {
  applyProfileChanges,
  DEFAULT_PREFERENCES,
  initialPreferences,
  type ProfileInput,
  type ProfilePreferences,
  type UpdatableProfileField,
} from './profile-rules';

const blank: ProfileInput = {
  timeZone: '',
  countryCode: '',
  regionCode: '',
  doNotContact: false,
  doNotContactReason: '',
  notes: '',
  preferredContactMethod: undefined,
};
const input = (over: Partial<ProfileInput>): ProfileInput => ({ ...blank, ...over });

const current: ProfilePreferences = {
  timezone: 'America/New_York',
  countryCode: 'US',
  regionCode: 'MA',
  doNotContact: false,
  doNotContactReason: null,
  notes: 'pays late in December',
};

const paths = (...p: UpdatableProfileField[]): Set<UpdatableProfileField> => new Set(p);

function violationsOf(work: () => unknown): FieldViolation[] {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).violations;
  }
  throw new Error('expected an InvalidArgumentError');
}

/** initialPreferences collects violations instead of throwing: run it and return both. */
function initial(value: ProfileInput | undefined): { preferences: ProfilePreferences; violations: FieldViolation[] } {
  const v = new Violations();
  const preferences = initialPreferences(value, v);
  try {
    v.throwIfAny();
    return { preferences, violations: [] };
  } catch (error) {
    return { preferences, violations: (error as InvalidArgumentError).violations };
  }
}

describe('initialPreferences', () => {
  it('defaults to UTC, no jurisdiction, contact allowed', () => {
    expect(initial(undefined)).toEqual({ preferences: DEFAULT_PREFERENCES, violations: [] });
    expect(initial(blank)).toEqual({ preferences: DEFAULT_PREFERENCES, violations: [] });
  });

  it('does not hand out the shared defaults object', () => {
    const { preferences } = initial(undefined);
    preferences.timezone = 'Europe/Paris';
    expect(DEFAULT_PREFERENCES.timezone).toBe('UTC');
  });

  it('normalises every given field', () => {
    expect(
      initial(input({ timeZone: 'US/Eastern', countryCode: 'us', regionCode: 'ma', doNotContact: true, doNotContactReason: ' legal hold ', notes: ' note ' })),
    ).toEqual({
      preferences: {
        timezone: 'America/New_York',
        countryCode: 'US',
        regionCode: 'MA',
        doNotContact: true,
        doNotContactReason: 'legal hold',
        notes: 'note',
      },
      violations: [],
    });
  });

  it('needs a country for a region', () => {
    expect(initial(input({ regionCode: 'MA' })).violations).toEqual([{ field: 'profile.region_code', description: 'needs country_code' }]);
  });

  it('needs a reason for do_not_contact', () => {
    expect(initial(input({ doNotContact: true })).violations).toEqual([
      { field: 'profile.do_not_contact_reason', description: 'is required when do_not_contact is set' },
    ]);
  });

  it('reports a bad time zone, country and notes together', () => {
    expect(initial(input({ timeZone: 'Nowhere/Land', countryCode: 'XX', notes: 'n'.repeat(4001) })).violations.map((v) => v.field)).toEqual([
      'profile.time_zone',
      'profile.country_code',
      'profile.notes',
    ]);
  });
});

describe('applyProfileChanges', () => {
  it('changes only the fields in paths', () => {
    const next = applyProfileChanges(current, input({ timeZone: 'Europe/Berlin', notes: 'ignored', countryCode: 'DE' }), paths('time_zone'));
    expect(next).toEqual({ ...current, timezone: 'Europe/Berlin' });
  });

  it('does not change the object it was given', () => {
    const before = structuredClone(current);
    applyProfileChanges(current, input({ notes: 'new' }), paths('notes'));
    expect(current).toEqual(before);
  });

  it('refuses an empty time zone in paths', () => {
    expect(violationsOf(() => applyProfileChanges(current, input({ timeZone: ' ' }), paths('time_zone')))).toEqual([
      { field: 'profile.time_zone', description: 'is required (an IANA time zone such as America/New_York)' },
    ]);
  });

  it('refuses an unknown time zone', () => {
    expect(violationsOf(() => applyProfileChanges(current, input({ timeZone: 'Mars/Olympus' }), paths('time_zone'))).map((v) => v.field)).toEqual([
      'profile.time_zone',
    ]);
  });

  it('refuses clearing the country while a region stays', () => {
    expect(violationsOf(() => applyProfileChanges(current, input({ countryCode: '' }), paths('country_code')))).toEqual([
      { field: 'profile.region_code', description: 'needs country_code' },
    ]);
  });

  it('clears country and region together', () => {
    expect(applyProfileChanges(current, input({}), paths('country_code', 'region_code'))).toMatchObject({ countryCode: null, regionCode: null });
  });

  it('sets do_not_contact with a reason', () => {
    expect(applyProfileChanges(current, input({ doNotContact: true, doNotContactReason: 'disputed' }), paths('do_not_contact', 'do_not_contact_reason'))).toMatchObject({
      doNotContact: true,
      doNotContactReason: 'disputed',
    });
  });

  it('refuses do_not_contact without a reason', () => {
    expect(violationsOf(() => applyProfileChanges(current, input({ doNotContact: true }), paths('do_not_contact'))).map((v) => v.field)).toEqual([
      'profile.do_not_contact_reason',
    ]);
  });

  it('refuses removing the reason while do_not_contact stays set', () => {
    const blocked = { ...current, doNotContact: true, doNotContactReason: 'disputed' };
    expect(violationsOf(() => applyProfileChanges(blocked, input({}), paths('do_not_contact_reason'))).map((v) => v.field)).toEqual([
      'profile.do_not_contact_reason',
    ]);
  });

  it('clears the reason when do_not_contact is lifted', () => {
    const blocked = { ...current, doNotContact: true, doNotContactReason: 'disputed' };
    expect(applyProfileChanges(blocked, input({ doNotContact: false }), paths('do_not_contact'))).toMatchObject({
      doNotContact: false,
      doNotContactReason: null,
    });
  });

  it('limits notes to 4000 characters and the reason to 1000', () => {
    expect(applyProfileChanges(current, input({ notes: 'n'.repeat(4000) }), paths('notes')).notes).toHaveLength(4000);
    expect(violationsOf(() => applyProfileChanges(current, input({ notes: 'n'.repeat(4001), doNotContactReason: 'r'.repeat(1001) }), paths('notes', 'do_not_contact_reason')))).toEqual([
      { field: 'profile.do_not_contact_reason', description: 'must be at most 1000 characters, got 1001' },
      { field: 'profile.notes', description: 'must be at most 4000 characters, got 4001' },
    ]);
  });

  it('clears notes set to empty', () => {
    expect(applyProfileChanges(current, input({ notes: '' }), paths('notes')).notes).toBeNull();
  });

  it('leaves everything as it was with no paths', () => {
    expect(applyProfileChanges(current, input({ notes: 'x', timeZone: 'UTC' }), paths())).toEqual(current);
  });
});
