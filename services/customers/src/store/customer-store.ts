import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import { inTransaction, recordAuditEvent } from '@cec/orm';
import { createRequestFingerprint, customerChanges, type CustomerFields } from '../domain/customer-rules';
import type { ProfilePreferences } from '../domain/profile-rules';
import type { ContactMethod, RiskLevel } from '../domain/values';
import { CustomerEntity, CustomerProfileEntity, type Customer, type CustomerProfile } from '../entities';
import type { CallInfo } from './call-info';
import { refreshRisk } from './risk';

/** A customer with its profile: what every customer RPC answers with. */
export interface CustomerRecord {
  customer: Customer;
  profile: CustomerProfile;
}

export interface CustomerFilter {
  riskLevel?: RiskLevel;
  search?: string;
}

const UNIQUE_REQUEST_ID = 'customers_request_id_key';

function fieldsOf(customer: Customer): CustomerFields {
  return {
    companyName: customer.companyName,
    contactName: customer.contactName ?? null,
    email: customer.email,
    phone: customer.phone ?? null,
    preferredContactMethod: customer.preferredContactMethod,
    address: {
      line1: customer.address.line1,
      line2: customer.address.line2,
      city: customer.address.city,
      state: customer.address.state,
      postalCode: customer.address.postal_code,
      country: customer.address.country,
    },
  };
}

function addressColumn(fields: CustomerFields): Customer['address'] {
  const a = fields.address;
  const out: Customer['address'] = {};
  if (a.line1) out.line1 = a.line1;
  if (a.line2) out.line2 = a.line2;
  if (a.city) out.city = a.city;
  if (a.state) out.state = a.state;
  if (a.postalCode) out.postal_code = a.postalCode;
  if (a.country) out.country = a.country;
  return out;
}

function preferencesOf(profile: CustomerProfile): ProfilePreferences {
  return {
    timezone: profile.timezone,
    countryCode: profile.countryCode ?? null,
    regionCode: profile.regionCode ?? null,
    doNotContact: profile.doNotContact,
    doNotContactReason: profile.doNotContactReason ?? null,
    notes: profile.notes ?? null,
  };
}

const escapeLike = (term: string): string => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Customers and their profiles in PostgreSQL, one transaction per change, each audited. */
export class CustomerStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /**
   * Creates the customer and its profile. With a request id, a retry (or a concurrent twin)
   * gets the customer the first call created; reusing the id for a different customer is an error.
   */
  async create(fields: CustomerFields, preferences: ProfilePreferences, requestId: string | undefined, call: CallInfo): Promise<CustomerRecord> {
    const fingerprint = requestId ? createRequestFingerprint(fields, preferences) : null;
    if (requestId) {
      const earlier = await this.byRequestId(requestId, fingerprint as string);
      if (earlier) return earlier;
    }
    try {
      return await inTransaction(this.em(), call.deadline, async (tx) => {
        const customer = tx.create(CustomerEntity, {
          ...fields,
          address: addressColumn(fields),
          requestId: requestId ?? null,
          requestFingerprint: fingerprint,
        });
        await tx.flush();
        const profile = tx.create(CustomerProfileEntity, {
          customerId: customer.id,
          timezone: preferences.timezone,
          countryCode: preferences.countryCode,
          regionCode: preferences.regionCode,
          doNotContact: preferences.doNotContact,
          doNotContactReason: preferences.doNotContactReason,
          notes: preferences.notes,
        });
        await tx.flush();
        await refreshRisk(tx, customer.id);
        await recordAuditEvent(tx, {
          entityType: 'customer',
          entityId: customer.id,
          action: 'created',
          actor: call.actor,
          details: { request_id: call.requestId, after: { preferred_contact_method: fields.preferredContactMethod, time_zone: preferences.timezone, jurisdiction: [preferences.countryCode, preferences.regionCode].filter(Boolean).join('-') || null, do_not_contact: preferences.doNotContact } },
        });
        await tx.refresh(customer);
        await tx.refresh(profile);
        return { customer, profile };
      });
    } catch (error) {
      // A concurrent create with the same request id committed first: answer with its result.
      if (requestId && (error as { constraint?: string }).constraint === UNIQUE_REQUEST_ID) {
        const earlier = await this.byRequestId(requestId, fingerprint as string);
        if (earlier) return earlier;
      }
      throw error;
    }
  }

  private async byRequestId(requestId: string, fingerprint: string): Promise<CustomerRecord | undefined> {
    const em = this.em();
    const customer = await em.findOne(CustomerEntity, { requestId });
    if (!customer) return undefined;
    if (customer.requestFingerprint !== fingerprint) {
      throw InvalidArgumentError.field('request_id', `was already used to create customer ${customer.id} with different details; use a new request_id for a new customer`);
    }
    return { customer, profile: await this.profileOf(em, customer.id) };
  }

  private async profileOf(em: EntityManager, customerId: string, lock = false): Promise<CustomerProfile> {
    const profile = await em.findOne(CustomerProfileEntity, { customerId }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!profile) throw NotFoundError.resource('customer profile', customerId);
    return profile;
  }

  async get(id: string): Promise<CustomerRecord> {
    const em = this.em();
    const customer = await em.findOne(CustomerEntity, { id });
    if (!customer) throw NotFoundError.resource('customer', id);
    return { customer, profile: await this.profileOf(em, id) };
  }

  /** Changes a customer under a row lock, so concurrent updates never lose each other's fields. */
  async update(id: string, change: (current: CustomerFields) => CustomerFields, call: CallInfo): Promise<CustomerRecord> {
    return inTransaction(this.em(), call.deadline, async (tx) => {
      const customer = await tx.findOne(CustomerEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!customer) throw NotFoundError.resource('customer', id);
      const before = fieldsOf(customer);
      const after = change(before);
      const changes = customerChanges(before, after);
      if (Object.keys(changes).length) {
        tx.assign(customer, { ...after, address: addressColumn(after) });
        await tx.flush();
        await recordAuditEvent(tx, {
          entityType: 'customer',
          entityId: id,
          action: 'updated',
          actor: call.actor,
          details: { request_id: call.requestId, changes },
        });
        await tx.refresh(customer);
      }
      return { customer, profile: await this.profileOf(tx, id) };
    });
  }

  /** Changes contact preferences (and the preferred method, stored on the customer) under row locks. */
  async updateProfile(
    id: string,
    change: { preferences?: (current: ProfilePreferences) => ProfilePreferences; preferredContactMethod?: (phone: string | null) => ContactMethod },
    call: CallInfo,
  ): Promise<CustomerRecord> {
    return inTransaction(this.em(), call.deadline, async (tx) => {
      const customer = await tx.findOne(CustomerEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!customer) throw NotFoundError.resource('customer', id);
      const profile = await this.profileOf(tx, id, true);
      const before = { ...preferencesOf(profile), preferredContactMethod: customer.preferredContactMethod };
      const preferences = change.preferences ? change.preferences(preferencesOf(profile)) : preferencesOf(profile);
      const method = change.preferredContactMethod ? change.preferredContactMethod(customer.phone ?? null) : customer.preferredContactMethod;
      const after = { ...preferences, preferredContactMethod: method };
      const changed = Object.fromEntries(
        (Object.keys(after) as (keyof typeof after)[])
          .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
          .map((k) => [k, k === 'notes' || k === 'doNotContactReason' ? { changed: true } : { before: before[k], after: after[k] }]),
      );
      if (Object.keys(changed).length) {
        // updatedAt too: a change of the preferred method alone (stored on the customer row) still
        // changes the profile resource, so its update_time must move (the trigger sets now()).
        tx.assign(profile, { ...preferences, updatedAt: new Date() });
        if (method !== customer.preferredContactMethod) tx.assign(customer, { preferredContactMethod: method });
        await tx.flush();
        await recordAuditEvent(tx, {
          entityType: 'customer_profile',
          entityId: id,
          action: 'updated',
          actor: call.actor,
          details: { request_id: call.requestId, changes: changed },
        });
        await tx.refresh(profile);
        await tx.refresh(customer);
      }
      return { customer, profile };
    });
  }

  async recalculateRisk(id: string, call: CallInfo): Promise<CustomerRecord> {
    return inTransaction(this.em(), call.deadline, async (tx) => {
      const customer = await tx.findOne(CustomerEntity, { id });
      if (!customer) throw NotFoundError.resource('customer', id);
      const change = await refreshRisk(tx, id);
      await recordAuditEvent(tx, {
        entityType: 'customer_profile',
        entityId: id,
        action: 'risk_recalculated',
        actor: call.actor,
        details: { request_id: call.requestId, before: change.before, after: change.after },
      });
      return { customer, profile: await this.profileOf(tx, id) };
    });
  }

  /** One page of customers by company name (then id), after `after`. */
  async list(filter: CustomerFilter, after: [string, string] | undefined, limit: number): Promise<CustomerRecord[]> {
    const em = this.em();
    const where: Record<string, unknown>[] = [];
    if (after) where.push({ $or: [{ companyName: { $gt: after[0] } }, { companyName: after[0], id: { $gt: after[1] } }] });
    if (filter.search) {
      const like = `%${escapeLike(filter.search)}%`;
      where.push({ $or: [{ companyName: { $ilike: like } }, { contactName: { $ilike: like } }, { email: { $ilike: like } }] });
    }
    if (filter.riskLevel) {
      const ids = em.createQueryBuilder(CustomerProfileEntity, 'p').select('p.customer_id').where({ riskLevel: filter.riskLevel });
      where.push({ id: { $in: ids.getKnexQuery() } });
    }
    const customers = await em.find(CustomerEntity, { $and: where } as never, {
      orderBy: { companyName: 'asc', id: 'asc' },
      limit,
    });
    return this.withProfiles(em, customers);
  }

  /** Customers and profiles for ids, in the order given; NOT_FOUND naming every unknown id. */
  async getMany(ids: string[]): Promise<CustomerRecord[]> {
    const em = this.em();
    const customers = await em.find(CustomerEntity, { id: { $in: ids } });
    const byId = new Map(customers.map((c) => [c.id, c]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw new NotFoundError(`customers not found: ${missing.join(', ')}`);
    return this.withProfiles(em, ids.map((id) => byId.get(id) as Customer));
  }

  private async withProfiles(em: EntityManager, customers: Customer[]): Promise<CustomerRecord[]> {
    if (!customers.length) return [];
    const profiles = await em.find(CustomerProfileEntity, { customerId: { $in: customers.map((c) => c.id) } });
    const byCustomer = new Map(profiles.map((p) => [p.customerId, p]));
    return customers.map((customer) => {
      const profile = byCustomer.get(customer.id);
      if (!profile) throw NotFoundError.resource('customer profile', customer.id);
      return { customer, profile };
    });
  }
}
