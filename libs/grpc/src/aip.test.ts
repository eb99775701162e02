import { InvalidArgumentError } from '@cec/errors';
import { decodePageToken, encodePageToken, filterFingerprint, pageSize, paginate } from './pagination';
import { resolveUpdateMask } from './field-mask';

describe('page size', () => {
  it('defaults, caps and refuses negatives', () => {
    expect(pageSize(0)).toBe(50);
    expect(pageSize(10)).toBe(10);
    expect(pageSize(5000)).toBe(1000);
    expect(() => pageSize(-1)).toThrow('page_size: must not be negative, got -1');
  });
});

describe('page tokens', () => {
  const f = filterFingerprint({ risk: 'high' });

  it('round-trips the last key', () => {
    expect(decodePageToken(encodePageToken(['Acme', 'id-1'], f), f)).toEqual(['Acme', 'id-1']);
    expect(decodePageToken('', f)).toBeUndefined();
  });

  it('refuses garbage and tokens from other filters', () => {
    expect(() => decodePageToken('not-a-token', f)).toThrow(InvalidArgumentError);
    expect(() => decodePageToken(encodePageToken(['x'], filterFingerprint({ risk: 'low' })), f)).toThrow(/different filters/);
  });

  it('paginates rows fetched with one extra', () => {
    const rows = [1, 2, 3];
    expect(paginate(rows, 3, (r) => [r], f)).toEqual({ page: [1, 2, 3], nextPageToken: '' });
    const { page, nextPageToken } = paginate(rows, 2, (r) => [r], f);
    expect(page).toEqual([1, 2]);
    expect(decodePageToken(nextPageToken, f)).toEqual([2]);
  });
});

describe('update masks', () => {
  const allowed = ['company_name', 'email', 'phone'] as const;
  const options = { allowed, resource: 'customer', populated: () => ['email' as const] };

  it('accepts snake_case, camelCase and prefixed paths', () => {
    expect([...resolveUpdateMask(['company_name', 'customer.email'], options)]).toEqual(['company_name', 'email']);
    expect([...resolveUpdateMask(['companyName'], options)]).toEqual(['company_name']);
    expect([...resolveUpdateMask(['*'], options)]).toEqual([...allowed]);
  });

  it('uses the populated fields without a mask', () => {
    expect([...resolveUpdateMask(undefined, options)]).toEqual(['email']);
    expect(() => resolveUpdateMask([], { ...options, populated: () => [] })).toThrow(/nothing to update/);
  });

  it('names what cannot be updated', () => {
    expect(() => resolveUpdateMask(['id', 'email'], options)).toThrow('update_mask: cannot update "id"; updatable: company_name, email, phone');
  });
});
