import { createHash } from 'node:crypto';
import { Violations } from '@cec/errors';
import { countryCode, email, phone } from './contact-rules';
import { text } from '@cec/validation';
import type { ContactMethod } from './values';

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

/** A customer as the rules accept it: trimmed, normalised, complete. */
export interface CustomerFields {
  companyName: string;
  contactName: string | null;
  email: string;
  phone: string | null;
  preferredContactMethod: ContactMethod;
  address: Address;
}

/** What a request carries, before validation ('' = not given). */
export interface CustomerInput {
  companyName: string;
  contactName: string;
  email: string;
  phone: string;
  /** undefined: not given (the rpc layer reports unknown enum values itself). */
  preferredContactMethod: ContactMethod | undefined;
  address: Address | undefined;
}

export const UPDATABLE_CUSTOMER_FIELDS = ['company_name', 'contact_name', 'email', 'phone', 'preferred_contact_method', 'address'] as const;
export type UpdatableCustomerField = (typeof UPDATABLE_CUSTOMER_FIELDS)[number];

function address(v: Violations, field: string, input: Address | undefined): Address {
  if (!input) return {};
  const out: Address = {};
  const keys: [keyof Address, string][] = [
    ['line1', 'line1'], ['line2', 'line2'], ['city', 'city'], ['state', 'state'], ['postalCode', 'postal_code'],
  ];
  for (const [key, name] of keys) {
    const value = text(v, `${field}.${name}`, input[key] ?? '', { max: 200 });
    if (value) out[key] = value;
  }
  const country = countryCode(v, `${field}.country`, input.country ?? '');
  if (country) out.country = country;
  return out;
}

function checkReachable(v: Violations, prefix: string, fields: Pick<CustomerFields, 'phone' | 'preferredContactMethod'>): void {
  if (fields.preferredContactMethod !== 'email' && !fields.phone) {
    v.add(`${prefix}.phone`, `is required when the preferred contact method is ${fields.preferredContactMethod}`);
  }
}

/** Validates a new customer; throws InvalidArgumentError naming every bad field. */
export function validateNewCustomer(input: CustomerInput, v = new Violations(), prefix = 'customer'): CustomerFields {
  const fields: CustomerFields = {
    companyName: text(v, `${prefix}.company_name`, input.companyName, { required: true, max: 200 }) ?? '',
    contactName: text(v, `${prefix}.contact_name`, input.contactName, { max: 200 }) ?? null,
    email: email(v, `${prefix}.email`, input.email) ?? '',
    phone: phone(v, `${prefix}.phone`, input.phone) ?? null,
    preferredContactMethod: input.preferredContactMethod ?? 'email',
    address: address(v, `${prefix}.address`, input.address),
  };
  if (!v.has(`${prefix}.phone`)) checkReachable(v, prefix, fields);
  v.throwIfAny();
  return fields;
}

/**
 * The customer after changing the fields in `paths` to the values in `input`; the result
 * is validated as a whole (a phone preference needs a phone number, whichever field changed).
 */
export function applyCustomerChanges(
  current: CustomerFields,
  input: CustomerInput,
  paths: ReadonlySet<UpdatableCustomerField>,
  v = new Violations(),
  prefix = 'customer',
): CustomerFields {
  const next: CustomerFields = { ...current };
  if (paths.has('company_name')) next.companyName = text(v, `${prefix}.company_name`, input.companyName, { required: true, max: 200 }) ?? '';
  if (paths.has('contact_name')) next.contactName = text(v, `${prefix}.contact_name`, input.contactName, { max: 200 }) ?? null;
  if (paths.has('email')) next.email = email(v, `${prefix}.email`, input.email) ?? '';
  if (paths.has('phone')) next.phone = phone(v, `${prefix}.phone`, input.phone) ?? null;
  if (paths.has('preferred_contact_method')) {
    if (input.preferredContactMethod === undefined) v.add(`${prefix}.preferred_contact_method`, 'is required');
    else next.preferredContactMethod = input.preferredContactMethod;
  }
  if (paths.has('address')) next.address = address(v, `${prefix}.address`, input.address);
  if (!v.has(`${prefix}.phone`) && !v.has(`${prefix}.preferred_contact_method`)) checkReachable(v, prefix, next);
  v.throwIfAny();
  return next;
}

/**
 * A digest of what a create asked for, stored with its request_id: a retry must ask for the
 * same thing, however the customer has been edited since.
 */
export function createRequestFingerprint(fields: CustomerFields, preferences: unknown): string {
  return createHash('sha256').update(JSON.stringify([fields, preferences])).digest('hex');
}

/** A preferred method set on its own (profile update): phone and SMS need the customer's phone number. */
export function checkPreferredMethod(v: Violations, field: string, method: ContactMethod | undefined, customerPhone: string | null): void {
  if (method === undefined) v.add(field, 'is required');
  else if (method !== 'email' && !customerPhone) v.add(field, `${method} needs a phone number on the customer; set customer.phone first`);
}

/** The fields that differ, as {field: {before, after}}, for the audit trail (no contact data values). */
export function customerChanges(before: CustomerFields, after: CustomerFields): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  const contactData = new Set(['email', 'phone', 'contactName', 'address']);
  for (const key of Object.keys(after) as (keyof CustomerFields)[]) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changed[key] = contactData.has(key) ? { changed: true } : { before: before[key], after: after[key] };
  }
  return changed;
}
