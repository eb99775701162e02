import { resolveUpdateMask, decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { customersV1 } from '@cec/proto';
import {
  applyCustomerChanges,
  checkPreferredMethod,
  UPDATABLE_CUSTOMER_FIELDS,
  validateNewCustomer,
  type CustomerInput,
  type UpdatableCustomerField,
} from '../domain/customer-rules';
import {
  applyProfileChanges,
  initialPreferences,
  UPDATABLE_PROFILE_FIELDS,
  type ProfileInput,
  type UpdatableProfileField,
} from '../domain/profile-rules';
import { idList, MAX_BATCH, optionalUuid, requireUuid, text } from '@cec/validation';
import type { ContactOutcomeInput, ContactOutcomeStore } from '../store/contact-outcome-store';
import type { CustomerStore } from '../store/customer-store';
import { contactMethodFromProto, riskLevelFromProto } from './enums';
import { toContactProfile, toCustomer, toProfile } from './messages';

function customerInput(customer: customersV1.Customer | undefined, v: Violations, prefix = 'customer'): CustomerInput {
  const c = customer;
  const a = c?.address;
  return {
    companyName: c?.companyName ?? '',
    contactName: c?.contactName ?? '',
    email: c?.email ?? '',
    phone: c?.phone ?? '',
    preferredContactMethod: contactMethodFromProto(c?.preferredContactMethod ?? 0, v, `${prefix}.preferred_contact_method`),
    address: a && { line1: a.line1, line2: a.line2, city: a.city, state: a.state, postalCode: a.postalCode, country: a.country },
  };
}

function profileInput(profile: customersV1.CustomerProfile | undefined, v: Violations, prefix = 'profile'): ProfileInput | undefined {
  if (!profile) return undefined;
  return {
    timeZone: profile.timeZone,
    countryCode: profile.countryCode,
    regionCode: profile.regionCode,
    doNotContact: profile.doNotContact,
    doNotContactReason: profile.doNotContactReason,
    notes: profile.notes,
    preferredContactMethod: contactMethodFromProto(profile.preferredContactMethod, v, `${prefix}.preferred_contact_method`),
  };
}

function populatedCustomerFields(c: customersV1.Customer | undefined): UpdatableCustomerField[] {
  if (!c) return [];
  const a = c.address;
  const out: UpdatableCustomerField[] = [];
  if (c.companyName) out.push('company_name');
  if (c.contactName) out.push('contact_name');
  if (c.email) out.push('email');
  if (c.phone) out.push('phone');
  if (c.preferredContactMethod) out.push('preferred_contact_method');
  if (a && Object.values(a).some(Boolean)) out.push('address');
  return out;
}

function populatedProfileFields(p: customersV1.CustomerProfile | undefined): UpdatableProfileField[] {
  if (!p) return [];
  const out: UpdatableProfileField[] = [];
  if (p.preferredContactMethod) out.push('preferred_contact_method');
  if (p.timeZone) out.push('time_zone');
  if (p.countryCode) out.push('country_code');
  if (p.regionCode) out.push('region_code');
  if (p.doNotContact) out.push('do_not_contact');
  if (p.doNotContactReason) out.push('do_not_contact_reason');
  if (p.notes) out.push('notes');
  return out;
}

/** escalation.customers.v1.CustomerService over the customer store (and the contact outcomes' store). */
export function customerService(store: CustomerStore, outcomes: ContactOutcomeStore): AsyncService<customersV1.CustomerServiceServer> {
  return {
    async createCustomer(request, context) {
      const v = new Violations();
      if (!request.customer) v.add('customer', 'is required');
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      const preferences = initialPreferences(profileInput(request.profile, v), v);
      const fields = validateNewCustomer(customerInput(request.customer, v), v);
      const record = await store.create(fields, preferences, requestId, context);
      return { customer: toCustomer(record), profile: toProfile(record) };
    },

    async getCustomer(request) {
      const v = new Violations();
      const id = requireUuid(v, 'customer_id', request.customerId);
      v.throwIfAny();
      return { customer: toCustomer(await store.getSummary(id)) };
    },

    async updateCustomer(request, context) {
      const v = new Violations();
      if (!request.customer) throw InvalidArgumentError.field('customer', 'is required');
      const id = requireUuid(v, 'customer.id', request.customer.id);
      const input = customerInput(request.customer, v);
      v.throwIfAny();
      const paths = resolveUpdateMask(request.updateMask, {
        allowed: UPDATABLE_CUSTOMER_FIELDS,
        resource: 'customer',
        populated: () => populatedCustomerFields(request.customer),
      });
      const record = await store.update(id, (current) => applyCustomerChanges(current, input, paths), context);
      return { customer: toCustomer(record) };
    },

    async listCustomers(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const riskLevel = riskLevelFromProto(request.riskLevel, v, 'risk_level');
      const search = text(v, 'search', request.search, { max: 200 });
      v.throwIfAny();
      const filter = { riskLevel, search };
      const fingerprint = filterFingerprint(filter);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'uuid']) as [string, string] | undefined;
      const rows = await store.list(filter, after, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.customer.companyName, r.customer.id], fingerprint);
      return { customers: page.map(toCustomer), nextPageToken };
    },

    async getCustomerProfile(request) {
      const v = new Violations();
      const id = requireUuid(v, 'customer_id', request.customerId);
      v.throwIfAny();
      return { profile: toProfile(await store.get(id)) };
    },

    async updateCustomerProfile(request, context) {
      const v = new Violations();
      if (!request.profile) throw InvalidArgumentError.field('profile', 'is required');
      const id = requireUuid(v, 'profile.customer_id', request.profile.customerId);
      const input = profileInput(request.profile, v) as ProfileInput;
      v.throwIfAny();
      const paths = resolveUpdateMask(request.updateMask, {
        allowed: UPDATABLE_PROFILE_FIELDS,
        resource: 'profile',
        populated: () => populatedProfileFields(request.profile),
      });
      const record = await store.updateProfile(
        id,
        {
          preferences: (current) => applyProfileChanges(current, input, paths),
          preferredContactMethod: paths.has('preferred_contact_method')
            ? (phone) => {
                const check = new Violations();
                checkPreferredMethod(check, 'profile.preferred_contact_method', input.preferredContactMethod, phone);
                check.throwIfAny();
                return input.preferredContactMethod as NonNullable<ProfileInput['preferredContactMethod']>;
              }
            : undefined,
        },
        context,
      );
      return { profile: toProfile(record) };
    },

    async recalculateRiskScore(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'customer_id', request.customerId);
      v.throwIfAny();
      return { profile: toProfile(await store.recalculateRisk(id, context)) };
    },

    async batchGetContactProfiles(request) {
      const ids = idList('customer_ids', request.customerIds);
      return { profiles: (await store.getMany(ids)).map(toContactProfile) };
    },

    async recordContactOutcomes(request, context) {
      if (!request.outcomes.length) throw InvalidArgumentError.field('outcomes', 'needs at least one outcome');
      if (request.outcomes.length > MAX_BATCH) throw InvalidArgumentError.field('outcomes', `takes at most ${MAX_BATCH} outcomes, got ${request.outcomes.length}`);
      const v = new Violations();
      const seen = new Map<string, number>();
      const list = request.outcomes.map((o, i): ContactOutcomeInput => {
        const p = `outcomes[${i}].`;
        const attemptId = requireUuid(v, `${p}attempt_id`, o.attemptId);
        if (attemptId && seen.has(attemptId)) v.add(`${p}attempt_id`, `repeats outcomes[${seen.get(attemptId)}]`);
        seen.set(attemptId, i);
        const channel = contactMethodFromProto(o.channel, v, `${p}channel`);
        if (!o.channel) v.add(`${p}channel`, 'is required: EMAIL, PHONE or SMS');
        if (o.responded && !o.reached) v.add(`${p}reached`, 'must be true when responded is: a customer who responded was reached');
        if (!o.attemptTime) v.add(`${p}attempt_time`, 'is required');
        else if (o.attemptTime.getTime() > Date.now() + 5 * 60_000) v.add(`${p}attempt_time`, 'must not be in the future (an attempt is reported once it happened)');
        return {
          attemptId,
          customerId: requireUuid(v, `${p}customer_id`, o.customerId),
          channel: channel as ContactOutcomeInput['channel'],
          reached: o.reached,
          responded: o.responded,
          attemptedAt: o.attemptTime as Date,
        };
      });
      v.throwIfAny();
      return { changedCount: await outcomes.record(list, context) };
    },
  };
}
