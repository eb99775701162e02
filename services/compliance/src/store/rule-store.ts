import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { CallContext } from '@cec/context';
import { AbortedError, AlreadyExistsError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, recordAuditEvent, sql, type SqlTarget } from '@cec/orm';
import { ComplianceRuleEntity, type ComplianceRuleRow } from '../entities';
import { actorName, LOCK_CUSTOMERS, lockOrder } from './call-rows';
import { RULE_COLUMNS, ruleRecordOf, type RuleContent, type RuleRecord, type RuleRow } from './rule-rows';

export type { RuleContent } from './rule-rows';

/** Which customers' rules: their countries, regions ('US-MA') and ids. */
export interface ActiveScope {
  countries: string[];
  regions: string[];
  customerIds: string[];
}

const ACTIVE_FOR = `r.is_active AND ((r.customer_id IS NULL AND (r.jurisdiction = '*' OR r.jurisdiction = ANY(?) OR r.jurisdiction = ANY(?)))
                        OR r.customer_id = ANY(?))`;

export interface RuleFilters {
  ruleType?: string;
  scopeKind?: 'global' | 'country' | 'region' | 'customer';
  countryCode?: string;
  channel?: string;
  active?: boolean;
  customerId?: string;
}

/** compliance_rules and their versions. Changes are units of work on the entity, audited in the same transaction. */
export class RuleStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async create(content: RuleContent, requestId: string | undefined, call: CallContext): Promise<RuleRecord> {
    return createOnce({
      requestId,
      find: async (id) => (await this.read('r.request_id = ?', [id]))[0],
      insert: () =>
        inTransaction(this.em(), call, async (tx) => {
          const rule = tx.create(ComplianceRuleEntity, { ...content, requestId: requestId ?? null, updatedBy: actorName(call) } as never);
          await tx.flush().catch((error: { constraint?: string }) => {
            if (error.constraint === 'compliance_rules_code_key') throw new AlreadyExistsError(`a compliance rule with code "${content.code}" exists: codes are unique`);
            throw error;
          });
          await recordAuditEvent(tx, {
            entityType: 'compliance_rule',
            entityId: rule.id,
            action: 'created',
            actor: call.actor,
            details: { request_id: call.requestId, after: { ...content, version: 1 } },
          });
          return this.readOne(tx, rule.id);
        }),
      raceConstraints: ['compliance_rules_request_id_key'],
    });
  }

  /** Installs every rule whose code is not taken yet; returns the rules of the preset's codes and how many were new. */
  async installMissing(contents: RuleContent[], call: CallContext): Promise<{ rules: RuleRecord[]; installed: number }> {
    return inTransaction(this.em(), call, async (tx) => {
      const codes = contents.map((c) => c.code);
      // Two operators installing the same preset at once: the second waits and finds the rules.
      await sql(tx, "SELECT pg_advisory_xact_lock(hashtext('compliance_rules'), hashtext('install_preset'))");
      const existing = new Set((await sql<{ code: string }>(tx, 'SELECT code FROM compliance_rules WHERE code = ANY(?)', [codes])).map((r) => r.code));
      const missing = contents.filter((c) => !existing.has(c.code));
      for (const content of missing) tx.create(ComplianceRuleEntity, { ...content, updatedBy: actorName(call) } as never);
      await tx.flush();
      const rules = await this.readWith(tx, 'r.code = ANY(?) ORDER BY r.code', [codes]);
      for (const rule of rules.filter((r) => missing.some((m) => m.code === r.code))) {
        await recordAuditEvent(tx, {
          entityType: 'compliance_rule',
          entityId: rule.id,
          action: 'created',
          actor: call.actor,
          details: { request_id: call.requestId, preset: rule.preset, after: { code: rule.code, version: 1 } },
        });
      }
      return { rules, installed: missing.length };
    });
  }

  /**
   * Changes a rule under a row lock: `change` gets the current content and returns the new one
   * (or throws). A change makes a new version (the database numbers it); no change returns the
   * rule as it is.
   */
  async update(
    id: string,
    change: (current: RuleRecord) => Partial<RuleContent> & { isActive?: boolean },
    options: { expectedVersion?: number; action: string; reason?: string },
    call: CallContext,
  ): Promise<RuleRecord> {
    return inTransaction(this.em(), call, async (tx) => {
      const entity = await tx.findOne(ComplianceRuleEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!entity) throw NotFoundError.resource('compliance rule', id);
      if (options.expectedVersion && entity.version !== options.expectedVersion) {
        throw new AbortedError(`compliance rule ${id} is at version ${entity.version}, not ${options.expectedVersion}: read it again and retry`);
      }
      const before = await this.readOne(tx, id);
      const changes = change(before);
      tx.assign(entity, { ...changes, updatedBy: actorName(call) } as Partial<ComplianceRuleRow>);
      await tx.flush();
      const after = await this.readOne(tx, id);
      if (after.version !== before.version) {
        await recordAuditEvent(tx, {
          entityType: 'compliance_rule',
          entityId: id,
          action: options.action,
          actor: call.actor,
          details: {
            request_id: call.requestId,
            reason: options.reason,
            before: { version: before.version, ...pick(before, Object.keys(changes)) },
            after: { version: after.version, ...pick(after, Object.keys(changes)) },
          },
        });
      }
      return after;
    });
  }

  /** The current version, or the version asked for (from compliance_rule_versions). */
  async get(id: string, version = 0): Promise<RuleRecord> {
    const em = this.em();
    if (!version) return this.readOne(em, id);
    const [row] = await sql<{ snapshot: RuleRow; created_at: string; created_by: string | null }>(
      em,
      'SELECT snapshot, created_at::text, created_by FROM compliance_rule_versions WHERE rule_id = ? AND version = ?',
      [id, version],
    );
    if (!row) {
      await this.readOne(em, id); // NOT_FOUND for the rule itself first
      throw new NotFoundError(`compliance rule ${id} has no version ${version}`);
    }
    return ruleRecordOf(snapshotRow(row.snapshot, row.created_at, row.created_by));
  }

  /** Every version, newest first. */
  async versions(id: string): Promise<RuleRecord[]> {
    const em = this.em();
    const rows = await sql<{ snapshot: RuleRow; created_at: string; created_by: string | null }>(
      em,
      'SELECT snapshot, created_at::text, created_by FROM compliance_rule_versions WHERE rule_id = ? ORDER BY version DESC',
      [id],
    );
    if (!rows.length) throw NotFoundError.resource('compliance rule', id);
    return rows.map((r) => ruleRecordOf(snapshotRow(r.snapshot, r.created_at, r.created_by)));
  }

  /** Current versions by code, after `afterCode`, at most `limit`. */
  async list(filters: RuleFilters, afterCode: string | undefined, limit: number): Promise<RuleRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (filters.ruleType) add('r.rule_type = ?', filters.ruleType);
    if (filters.scopeKind === 'global') add("r.customer_id IS NULL AND r.jurisdiction = '*'");
    if (filters.scopeKind === 'country') add("r.customer_id IS NULL AND r.jurisdiction ~ '^[A-Z]{2}$'");
    if (filters.scopeKind === 'region') add("r.customer_id IS NULL AND r.jurisdiction LIKE '%-%'");
    if (filters.scopeKind === 'customer') add('r.customer_id IS NOT NULL');
    if (filters.countryCode) add("split_part(r.jurisdiction, '-', 1) = ?", filters.countryCode);
    if (filters.channel) add('? = ANY(r.channels)', filters.channel);
    if (filters.active !== undefined) add('r.is_active = ?', filters.active);
    if (filters.customerId) add('r.customer_id = ?', filters.customerId);
    if (afterCode) add('r.code > ?', afterCode);
    const clause = where.length ? where.join(' AND ') : 'true';
    return this.readWith(this.em(), `${clause} ORDER BY r.code LIMIT ?`, [...params, limit]);
  }

  /** The active rules that can apply to customers of these countries, regions ('US-MA') and ids. */
  async activeFor(em: SqlTarget, scope: ActiveScope): Promise<RuleRecord[]> {
    return this.readWith(em, ACTIVE_FOR, [scope.countries, scope.regions, scope.customerIds]);
  }

  /**
   * activeFor's rules, as rows, read in the statement that takes the per-customer locks of
   * `scope.customerIds` (lockCustomers): one round trip instead of two. The rules are not
   * guarded by those locks, so reading them from the statement's snapshot (taken before it
   * waited) is as good as reading them just before; what the locks guard (the contact history)
   * must be read by a later statement.
   */
  async lockCustomersAndReadActive(tx: SqlTarget, scope: ActiveScope): Promise<RuleRow[]> {
    const [row] = await sql<{ locked: string; rules: RuleRow[] | null }>(
      tx,
      `SELECT ${LOCK_CUSTOMERS} AS locked,
              (SELECT json_agg(x) FROM (SELECT ${RULE_COLUMNS} FROM compliance_rules r WHERE ${ACTIVE_FOR}) x) AS rules`,
      [lockOrder(scope.customerIds), scope.countries, scope.regions, scope.customerIds],
    );
    return row.rules ?? [];
  }

  private async read(where: string, params: unknown[]): Promise<RuleRecord[]> {
    return this.readWith(this.em(), where, params);
  }

  private async readWith(em: SqlTarget, where: string, params: unknown[]): Promise<RuleRecord[]> {
    const rows = await sql<RuleRow>(em, `SELECT ${RULE_COLUMNS} FROM compliance_rules r WHERE ${where}`, params);
    return rows.map(ruleRecordOf);
  }

  private async readOne(em: EntityManager, id: string): Promise<RuleRecord> {
    const [record] = await this.readWith(em, 'r.id = ?', [id]);
    if (!record) throw NotFoundError.resource('compliance rule', id);
    return record;
  }
}

function pick(record: RuleRecord, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, (record as unknown as Record<string, unknown>)[k]]));
}

/** A compliance_rule_versions snapshot (to_jsonb of the row) as a row of RULE_COLUMNS. */
function snapshotRow(snapshot: RuleRow, createdAt: string, createdBy: string | null): RuleRow {
  return { ...snapshot, updated_at: createdAt, updated_by: createdBy ?? snapshot.updated_by };
}
