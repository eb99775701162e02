import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import { InvalidArgumentError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, pgTimestamp, pgTimestampRequired, recordAuditEvent, sql } from '@cec/orm';
import { createRequestFingerprint, customerChanges, type CustomerFields } from '../domain/customer-rules';
import type { ProfilePreferences } from '../domain/profile-rules';
import type { ContactMethod, RiskLevel } from '../domain/values';
import { CustomerEntity, CustomerProfileEntity, type Customer, type CustomerProfile } from '../entities';
import type { CallContext } from '@cec/context';
import { refreshRisk } from './risk';

/** A customer with its profile: what every customer RPC answers with. */
export interface CustomerRecord {
  customer: Customer;
  profile: CustomerProfile;
}

/**
 * What a Customer message shows: the customer and its profile's risk. GetCustomer reads only
 * this (CustomerStore.getSummary); a CustomerRecord is one too.
 */
export interface CustomerSummary {
  customer: Pick<Customer, 'id' | 'companyName' | 'contactName' | 'email' | 'phone' | 'preferredContactMethod' | 'address' | 'createdAt' | 'updatedAt'>;
  profile: Pick<CustomerProfile, 'riskLevel' | 'riskScore'>;
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

/**
 * Reads are one joined statement mapped straight to the record: the hot paths (GetCustomer,
 * BatchGetContactProfiles) would pay for two ORM round trips and entity hydration otherwise.
 */
const RECORD_COLUMNS = `
  c.id, c.company_name, c.contact_name, c.email, c.phone, c.preferred_contact_method, c.address,
  c.request_id, c.request_fingerprint, c.created_at, c.updated_at,
  p.id AS profile_id, p.risk_level, p.risk_score, p.risk_factors, p.risk_calculated_at,
  p.average_payment_delay, p.response_rate, p.do_not_contact, p.do_not_contact_reason, p.timezone,
  p.country_code, p.region_code, p.notes, p.created_at AS profile_created_at, p.updated_at AS profile_updated_at`;

type RecordRow = Record<string, unknown> & { id: string };

/**
 * GetCustomer, the hottest read: only the columns its message shows. Every column more costs
 * PostgreSQL (jsonb and timestamps written as text), the driver (pg builds a parser list and a
 * row object per column) and the garbage collector; this is the statement the benchmark's
 * baseline runs.
 */
const SUMMARY_BY_ID = `
  SELECT c.id, c.company_name, c.contact_name, c.email, c.phone, c.preferred_contact_method, c.address,
         c.created_at, c.updated_at, p.risk_level, p.risk_score
    FROM customers c
    JOIN customer_profiles p ON p.customer_id = c.id
   WHERE c.id = ?`;

interface SummaryRow {
  id: string;
  company_name: string;
  contact_name: string | null;
  email: string;
  phone: string | null;
  preferred_contact_method: Customer['preferredContactMethod'];
  address: Customer['address'];
  created_at: string;
  updated_at: string;
  risk_level: CustomerProfile['riskLevel'];
  risk_score: number;
}

function summaryOf(row: SummaryRow): CustomerSummary {
  return {
    customer: {
      id: row.id,
      companyName: row.company_name,
      contactName: row.contact_name,
      email: row.email,
      phone: row.phone,
      preferredContactMethod: row.preferred_contact_method,
      address: row.address,
      createdAt: pgTimestampRequired(row.created_at),
      updatedAt: pgTimestampRequired(row.updated_at),
    },
    profile: { riskLevel: row.risk_level, riskScore: row.risk_score },
  };
}

function recordOf(row: RecordRow): CustomerRecord {
  return {
    customer: {
      id: row.id,
      companyName: row.company_name as string,
      contactName: row.contact_name as string | null,
      email: row.email as string,
      phone: row.phone as string | null,
      preferredContactMethod: row.preferred_contact_method as Customer['preferredContactMethod'],
      address: row.address as Customer['address'],
      requestId: row.request_id as string | null,
      requestFingerprint: row.request_fingerprint as string | null,
      createdAt: pgTimestampRequired(row.created_at as string),
      updatedAt: pgTimestampRequired(row.updated_at as string),
    },
    profile: {
      id: row.profile_id as string,
      customerId: row.id,
      riskLevel: row.risk_level as CustomerProfile['riskLevel'],
      riskScore: row.risk_score as number,
      riskFactors: row.risk_factors as Record<string, unknown>,
      riskCalculatedAt: pgTimestamp(row.risk_calculated_at as string | null),
      averagePaymentDelay: row.average_payment_delay as string,
      responseRate: row.response_rate as string | null,
      doNotContact: row.do_not_contact as boolean,
      doNotContactReason: row.do_not_contact_reason as string | null,
      timezone: row.timezone as string,
      countryCode: row.country_code as string | null,
      regionCode: row.region_code as string | null,
      notes: row.notes as string | null,
      createdAt: pgTimestampRequired(row.profile_created_at as string),
      updatedAt: pgTimestampRequired(row.profile_updated_at as string),
    },
  };
}

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
  async create(fields: CustomerFields, preferences: ProfilePreferences, requestId: string | undefined, call: CallContext): Promise<CustomerRecord> {
    const fingerprint = requestId ? createRequestFingerprint(fields, preferences) : null;
    return createOnce({
      requestId,
      find: (id) => this.byRequestId(id, fingerprint as string),
      raceConstraints: [UNIQUE_REQUEST_ID],
      insert: () =>
        inTransaction(this.em(), call, async (tx) => {
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
        }),
    });
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
    const [record] = await this.read('c.id = ?', [id]);
    if (!record) throw NotFoundError.resource('customer', id);
    return record;
  }

  /** The customer and its risk, as GetCustomer shows them; NOT_FOUND for an unknown id. */
  async getSummary(id: string): Promise<CustomerSummary> {
    const [row] = await sql<SummaryRow>(this.orm.em, SUMMARY_BY_ID, [id]);
    if (!row) throw NotFoundError.resource('customer', id);
    return summaryOf(row);
  }

  private async read(where: string, params: unknown[]): Promise<CustomerRecord[]> {
    const rows = await sql<RecordRow>(
      this.orm.em,
      `SELECT ${RECORD_COLUMNS} FROM customers c JOIN customer_profiles p ON p.customer_id = c.id WHERE ${where}`,
      params,
    );
    return rows.map(recordOf);
  }

  /** Changes a customer under a row lock, so concurrent updates never lose each other's fields. */
  async update(id: string, change: (current: CustomerFields) => CustomerFields, call: CallContext): Promise<CustomerRecord> {
    return inTransaction(this.em(), call, async (tx) => {
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
    call: CallContext,
  ): Promise<CustomerRecord> {
    return inTransaction(this.em(), call, async (tx) => {
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

  async recalculateRisk(id: string, call: CallContext): Promise<CustomerRecord> {
    return inTransaction(this.em(), call, async (tx) => {
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
    const conditions: string[] = ['true'];
    const params: unknown[] = [];
    if (after) {
      conditions.push('(c.company_name, c.id) > (?, ?::uuid)');
      params.push(...after);
    }
    if (filter.search) {
      const like = `%${escapeLike(filter.search)}%`;
      conditions.push('(c.company_name ILIKE ? OR c.contact_name ILIKE ? OR c.email ILIKE ?)');
      params.push(like, like, like);
    }
    if (filter.riskLevel) {
      conditions.push('p.risk_level = ?');
      params.push(filter.riskLevel);
    }
    return this.read(`${conditions.join(' AND ')} ORDER BY c.company_name, c.id LIMIT ?`, [...params, limit]);
  }

  /** Customers and profiles for ids, in the order given; NOT_FOUND naming every unknown id. */
  async getMany(ids: string[]): Promise<CustomerRecord[]> {
    // One array parameter: the statement text is the same for any number of ids, so PostgreSQL
    // parses and plans one statement rather than one per batch size.
    const records = await this.read('c.id = ANY(?::uuid[])', [ids]);
    const byId = new Map(records.map((r) => [r.customer.id, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw new NotFoundError(`customers not found: ${missing.join(', ')}`);
    return ids.map((id) => byId.get(id) as CustomerRecord);
  }
}
