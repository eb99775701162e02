import { decodePageToken, filterFingerprint, pageSize, paginate, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { Actor } from '@cec/context';
import type { complianceV1 } from '@cec/proto';
import { optionalUuid, requireUuid, text } from '@cec/validation';
import type { AuditRecord, AuditStore } from '../store/audit-store';
import { bigintKey, timestampKey } from './page-keys';

const ACTOR_TYPES = ['user', 'service', 'agent', 'system'] as const;
const NAME = /^[a-z][a-z0-9_]{0,99}$/;

function recordToProto(r: AuditRecord): complianceV1.AuditEvent {
  return {
    id: r.id,
    seq: r.seq ?? '0',
    entityType: r.entityType,
    entityId: r.entityId ?? '',
    action: r.action,
    actorType: r.actorType,
    actorId: r.actorId,
    details: r.details,
    createTime: r.createdAt,
    rowHash: r.rowHash ?? '',
  };
}

/** escalation.compliance.v1.AuditService over the audit trail. */
export function auditService(store: AuditStore): AsyncService<complianceV1.AuditServiceServer> {
  return {
    async recordAuditEvent(request, context) {
      const e = request.event;
      if (!e) throw InvalidArgumentError.field('event', 'is required');
      const v = new Violations();
      const id = requireUuid(v, 'event.id', e.id);
      const entityId = optionalUuid(v, 'event.entity_id', e.entityId) ?? null;
      if (!NAME.test(e.entityType)) v.add('event.entity_type', 'must be 1-100 characters of a-z, 0-9 and _, starting with a letter (e.g. "campaign")');
      if (!NAME.test(e.action)) v.add('event.action', 'must be 1-100 characters of a-z, 0-9 and _, starting with a letter (e.g. "status_changed")');
      let actor: Actor = context.actor;
      if (e.actorType || e.actorId) {
        if (!(ACTOR_TYPES as readonly string[]).includes(e.actorType)) v.add('event.actor_type', `must be one of ${ACTOR_TYPES.join(', ')}`);
        const actorId = text(v, 'event.actor_id', e.actorId, { required: true, max: 200 });
        actor = { type: e.actorType as Actor['type'], id: actorId ?? '' };
      }
      const details = e.details ?? {};
      if (Buffer.byteLength(JSON.stringify(details)) > 64 * 1024) v.add('event.details', 'must be at most 64 KiB as JSON');
      v.throwIfAny();
      return { event: recordToProto(await store.record({ id, entityType: e.entityType, entityId, action: e.action, actor, details }, context)) };
    },

    async listAuditEvents(request) {
      const v = new Violations();
      const filters = {
        entityType: request.entityType || undefined,
        entityId: optionalUuid(v, 'entity_id', request.entityId),
        actorType: request.actorType || undefined,
        actorId: request.actorId || undefined,
        action: request.action || undefined,
        from: request.startTime,
        to: request.endTime,
      };
      if (filters.from && filters.to && filters.to <= filters.from) v.add('end_time', 'must be after start_time');
      v.throwIfAny();
      const size = pageSize(request.pageSize);
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text', 'text']);
      const rows = await store.list(filters, after && { createdAt: timestampKey(after[0]), appendId: bigintKey(after[1]) }, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.createdAtText, r.appendId], fingerprint);
      return { events: page.map(recordToProto), nextPageToken };
    },

    async verifyAuditChain() {
      const result = await store.verify();
      return {
        ok: !result.problem,
        firstBrokenSeq: result.problem?.seq ?? '0',
        firstBrokenEventId: result.problem?.eventId ?? '',
        problem: result.problem?.problem ?? '',
        headSeq: result.sealedThroughSeq,
        headRowHash: result.headRowHash,
        unsealedCount: result.unsealedCount,
        oldestUnsealedTime: result.oldestUnsealedAt ?? undefined,
      };
    },
  };
}
