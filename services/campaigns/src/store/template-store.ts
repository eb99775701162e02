import type { CallContext } from '@cec/context';
import { AbortedError, AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@cec/errors';
import { createOnce, inTransaction, pgTimestampRequired, recordAuditEvent, sql, type SqlTarget } from '@cec/orm';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Channel } from '../domain/contact';
import type { TemplateContent, Tone } from '../domain/template-rules';
import { TemplateEntity } from '../entities';
import { actorName } from './contact-attempt-writes';

/** One template version as the store answers it. */
export interface TemplateRecord extends TemplateContent {
  id: string;
  version: number;
  variables: string[];
  /** New campaigns may use it: only the latest version of a template can be active. */
  isActive: boolean;
  /** No newer version of this name and language exists. */
  latest: boolean;
  createdAt: Date;
  createdBy: string | null;
}

/** What a new version says: its content (channel, name and language as before), variables and state. */
export interface TemplateVersionInput {
  content: TemplateContent;
  variables: string[];
  isActive: boolean;
}

export interface TemplateFilters {
  channel?: Channel;
  name?: string;
  language?: string;
  tone?: Tone;
  includeInactive: boolean;
  allVersions: boolean;
}

/** Where a page starts: after this name, language and version. */
export type TemplateKey = [name: string, language: string, version: number];

interface TemplateRow {
  id: string;
  name: string;
  channel: Channel;
  tone: Tone;
  language: string;
  version: number;
  subject: string | null;
  body: string;
  variables: string[];
  is_active: boolean;
  latest: boolean;
  created_at: string;
  created_by: string | null;
}

const LATEST = 'NOT EXISTS (SELECT 1 FROM templates n WHERE n.name = t.name AND n.language = t.language AND n.version > t.version)';
const COLUMNS = `t.id, t.name, t.channel, t.tone, t.language, t.version, t.subject, t.body, t.variables, t.is_active,
  ${LATEST} AS latest, t.created_at::text, t.created_by`;

function recordOf(row: TemplateRow): TemplateRecord {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel,
    tone: row.tone,
    language: row.language,
    version: Number(row.version),
    subject: row.subject,
    body: row.body,
    variables: row.variables,
    isActive: row.is_active,
    latest: row.latest,
    createdAt: pgTimestampRequired(row.created_at),
    createdBy: row.created_by,
  };
}

/** What the audit trail keeps of a version. */
const audited = (t: TemplateRecord) => ({
  name: t.name,
  language: t.language,
  channel: t.channel,
  version: t.version,
  tone: t.tone,
  subject: t.subject,
  body: t.body,
  variables: t.variables,
  active: t.isActive,
});

/**
 * templates: one row per version of a name and language. A version's content never changes;
 * an edit is a new row (version + 1) and the version it supersedes stops being active (it stays
 * readable and renderable for the campaigns built with it). Changes are units of work on the
 * entity, audited in the same transaction; reads are SQL.
 */
export class TemplateStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  async create(input: TemplateVersionInput, requestId: string | undefined, call: CallContext): Promise<TemplateRecord> {
    const { content } = input;
    return createOnce({
      requestId,
      find: async (id) => this.byRequestId(id, content.name, content.language),
      insert: () => this.insertFirst(input, requestId, call),
      raceConstraints: ['templates_request_id_key'],
    });
  }

  /**
   * Inserts version 1. A concurrent twin of the same request (same request id) that committed
   * first makes the name taken: the twin's version is the answer, not ALREADY_EXISTS.
   */
  private async insertFirst(input: TemplateVersionInput, requestId: string | undefined, call: CallContext): Promise<TemplateRecord> {
    const { content } = input;
    try {
      return await inTransaction(this.em(), call, async (tx) => {
        const [taken] = await sql<{ version: number }>(tx, 'SELECT max(version) AS version FROM templates WHERE name = ? AND language = ?', [content.name, content.language]);
        if (taken.version !== null) throw alreadyExists(content, Number(taken.version));
        const entity = tx.create(TemplateEntity, {
          ...content,
          version: 1,
          variables: input.variables,
          isActive: input.isActive,
          requestId: requestId ?? null,
          createdBy: actorName(call.actor),
        } as never) as { id: string };
        await tx.flush().catch((error: { constraint?: string }) => {
          if (error.constraint === 'templates_name_language_version_key') throw alreadyExists(content);
          throw error;
        });
        const created = await this.readOne(tx, entity.id);
        await recordAuditEvent(tx, {
          entityType: 'template',
          entityId: created.id,
          action: 'created',
          actor: call.actor,
          details: { request_id: call.requestId, after: audited(created) },
        });
        return created;
      });
    } catch (error) {
      const twin = requestId && error instanceof AlreadyExistsError ? await this.byRequestId(requestId, content.name, content.language) : undefined;
      if (twin) return twin;
      throw error;
    }
  }

  /**
   * Makes version + 1 of the template whose latest version is `id`: `change` gets that version
   * and returns the new one's content and state, or undefined when nothing would change (the
   * version is answered as it is). `id` not the latest is FAILED_PRECONDITION.
   */
  async update(
    id: string,
    change: (current: TemplateRecord) => TemplateVersionInput | undefined,
    requestId: string | undefined,
    call: CallContext,
  ): Promise<TemplateRecord> {
    const find = async (key: string) => {
      const edited = await this.get(id);
      return this.byRequestId(key, edited.name, edited.language);
    };
    // A concurrent twin of the same request that committed first made the version: its answer is this one's too.
    const orTwin = async (error: unknown): Promise<TemplateRecord> => {
      const twin = requestId && (error instanceof FailedPreconditionError || error instanceof AbortedError) ? await find(requestId) : undefined;
      if (twin) return twin;
      throw error;
    };
    return createOnce({
      requestId,
      find,
      insert: () =>
        inTransaction(this.em(), call, async (tx) => {
          // The version's row lock orders concurrent edits of it; the statement after it sees what the winner committed.
          const [locked] = await sql<{ id: string }>(tx, 'SELECT id FROM templates WHERE id = ? FOR UPDATE', [id]);
          if (!locked) throw NotFoundError.resource('template version', id);
          const current = await this.readOne(tx, id);
          if (!current.latest) {
            const [newest] = await sql<{ version: number }>(tx, 'SELECT max(version) AS version FROM templates WHERE name = ? AND language = ?', [current.name, current.language]);
            throw new FailedPreconditionError(
              `template ${current.name} (${current.language}) version ${current.version} is not the latest (${newest.version}): ` +
                'someone edited it since; read the latest version and edit that',
            );
          }
          const next = change(current);
          if (!next) return current;
          const entity = tx.create(TemplateEntity, {
            ...next.content,
            name: current.name,
            language: current.language,
            channel: current.channel,
            version: current.version + 1,
            variables: next.variables,
            isActive: next.isActive,
            requestId: requestId ?? null,
            createdBy: actorName(call.actor),
          } as never) as { id: string };
          await tx.flush().catch((error: { constraint?: string }) => {
            if (error.constraint === 'templates_name_language_version_key') {
              throw new AbortedError(`template ${current.name} (${current.language}) got version ${current.version + 1} from a concurrent edit: read it and retry`);
            }
            throw error;
          });
          // Only the latest version may be used by new campaigns; the superseded one stays readable.
          if (current.isActive) await sql(tx, 'UPDATE templates SET is_active = false WHERE id = ?', [current.id]);
          const created = await this.readOne(tx, entity.id);
          await recordAuditEvent(tx, {
            entityType: 'template',
            entityId: created.id,
            action: 'updated',
            actor: call.actor,
            details: {
              request_id: call.requestId,
              previous: { id: current.id, version: current.version, active: current.isActive },
              before: changedFields(audited(current), audited(created)),
              after: changedFields(audited(created), audited(current)),
            },
          });
          return created;
        }).catch(orTwin),
      raceConstraints: ['templates_request_id_key'],
    });
  }

  async get(id: string): Promise<TemplateRecord> {
    return this.readOne(this.em(), id);
  }

  /** By name, language and version, after `after`, at most `limit`. */
  async list(filters: TemplateFilters, after: TemplateKey | undefined, limit: number): Promise<TemplateRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (!filters.allVersions) add(LATEST);
    if (!filters.includeInactive) add('t.is_active');
    if (filters.channel) add('t.channel = ?', filters.channel);
    if (filters.name) add('t.name = ?', filters.name);
    if (filters.language) add('t.language = ?', filters.language);
    if (filters.tone) add('t.tone = ?', filters.tone);
    if (after) add('(t.name COLLATE "C", t.language COLLATE "C", t.version) > (?, ?, ?)', ...after);
    const clause = where.length ? where.join(' AND ') : 'true';
    const rows = await sql<TemplateRow>(this.em(), `SELECT ${COLUMNS} FROM templates t WHERE ${clause} ORDER BY t.name COLLATE "C", t.language COLLATE "C", t.version LIMIT ?`, [
      ...params,
      limit,
    ]);
    return rows.map(recordOf);
  }

  /** The version a request id made, when it made one of this name and language (another is INVALID_ARGUMENT). */
  private async byRequestId(requestId: string, name: string, language: string): Promise<TemplateRecord | undefined> {
    const [row] = await sql<TemplateRow>(this.em(), `SELECT ${COLUMNS} FROM templates t WHERE t.request_id = ?`, [requestId]);
    if (!row) return undefined;
    if (row.name !== name || row.language !== language) {
      throw InvalidArgumentError.field('request_id', `was used for another request (template ${row.name} (${row.language})): send a new request_id`);
    }
    return recordOf(row);
  }

  private async readOne(em: SqlTarget, id: string): Promise<TemplateRecord> {
    const [row] = await sql<TemplateRow>(em, `SELECT ${COLUMNS} FROM templates t WHERE t.id = ?`, [id]);
    if (!row) throw NotFoundError.resource('template version', id);
    return recordOf(row);
  }
}

function alreadyExists(content: TemplateContent, latest?: number): AlreadyExistsError {
  return new AlreadyExistsError(
    `a template named ${content.name} in language ${content.language} exists${latest ? ` (latest version ${latest})` : ''}: ` +
      'edit it with UpdateTemplate, or choose another name',
  );
}

/** The fields of `a` that differ from `b`. */
function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(a).filter(([k, value]) => JSON.stringify(value) !== JSON.stringify(b[k]) && k !== 'version'));
}
