import { decodePageToken, filterFingerprint, pageSize, paginate, resolveUpdateMask, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, NotFoundError, Violations } from '@cec/errors';
import { complianceV1 } from '@cec/proto';
import { isUuid, optionalUuid, requireUuid, text } from '@cec/validation';
import { PRESETS, presetByName } from '../domain/presets';
import type { RuleContent, RuleStore } from '../store/rule-store';
import { channels, ruleTypes, scopeKinds } from './enums';
import { CASE_TYPE, presetRuleContent, presetRuleToProto, ruleContentFromProto, ruleToProto } from './rule-messages';

/** The fields UpdateRule may change (AIP-134 paths); code and type never change. */
const UPDATABLE = ['name', 'description', 'citation', 'channels', 'scope', 'parameters', 'effective_from', 'effective_to'] as const;
type Updatable = (typeof UPDATABLE)[number];

function populated(rule: complianceV1.ComplianceRule): Updatable[] {
  const out: Updatable[] = [];
  if (rule.name) out.push('name');
  if (rule.description) out.push('description');
  if (rule.citation) out.push('citation');
  if (rule.channels.length) out.push('channels');
  if (rule.scope) out.push('scope');
  if (rule.parameters) out.push('parameters');
  if (rule.effectiveFrom) out.push('effective_from');
  if (rule.effectiveTo) out.push('effective_to');
  return out;
}

function checkCustomerScope(rule: complianceV1.ComplianceRule | undefined, v: Violations): void {
  if (rule?.scope?.kind === complianceV1.ScopeKind.SCOPE_KIND_CUSTOMER && !isUuid(rule.scope.customerId)) {
    v.add('rule.scope.customer_id', 'must be a UUID');
  }
}

/** escalation.compliance.v1.ComplianceRuleService over the rule store. */
export function complianceRuleService(store: RuleStore): AsyncService<complianceV1.ComplianceRuleServiceServer> {
  return {
    async createRule(request, context) {
      const v = new Violations();
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      if (!request.rule) throw InvalidArgumentError.field('rule', 'is required');
      checkCustomerScope(request.rule, v);
      const content = ruleContentFromProto(request.rule, v, 'rule.');
      v.throwIfAny();
      return { rule: ruleToProto(await store.create(content as RuleContent, requestId, context)) };
    },

    async getRule(request) {
      const v = new Violations();
      const id = requireUuid(v, 'rule_id', request.ruleId);
      if (request.version < 0) v.add('version', 'must not be negative');
      v.throwIfAny();
      return { rule: ruleToProto(await store.get(id, request.version)) };
    },

    async listRules(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const filters = {
        ruleType: ruleTypes.optional(request.type, v, 'type', 'rule type'),
        scopeKind: scopeKinds.optional(request.scopeKind, v, 'scope_kind', 'scope kind'),
        countryCode: request.countryCode || undefined,
        channel: channels.optional(request.channel, v, 'channel', 'channel'),
        active: request.active,
        customerId: request.customerId ? requireUuid(v, 'customer_id', request.customerId) : undefined,
      };
      if (filters.countryCode && !/^[A-Z]{2}$/.test(filters.countryCode)) v.add('country_code', 'must be an ISO 3166-1 alpha-2 code in capitals, such as US');
      v.throwIfAny();
      const fingerprint = filterFingerprint(filters);
      const after = decodePageToken(request.pageToken, fingerprint, ['text']);
      const rows = await store.list(filters, after?.[0], size + 1);
      const { page, nextPageToken } = paginate(rows, size, (r) => [r.code], fingerprint);
      return { rules: page.map(ruleToProto), nextPageToken };
    },

    async listRuleVersions(request) {
      const v = new Violations();
      const id = requireUuid(v, 'rule_id', request.ruleId);
      v.throwIfAny();
      return { versions: (await store.versions(id)).map(ruleToProto) };
    },

    async updateRule(request, context) {
      const v = new Violations();
      if (!request.rule) throw InvalidArgumentError.field('rule', 'is required');
      const id = requireUuid(v, 'rule.id', request.rule.id);
      if (request.expectedVersion < 0) v.add('expected_version', 'must not be negative');
      checkCustomerScope(request.rule, v);
      v.throwIfAny();
      const paths = resolveUpdateMask(request.updateMask, { allowed: UPDATABLE, resource: 'rule', populated: () => populated(request.rule as complianceV1.ComplianceRule) });
      const updated = await store.update(
        id,
        (current) => {
          // The request's rule over the current one, field by field as the mask says, then checked whole.
          const merged = ruleToProto(current);
          const r = request.rule as complianceV1.ComplianceRule;
          if (paths.has('name')) merged.name = r.name;
          if (paths.has('description')) merged.description = r.description;
          if (paths.has('citation')) merged.citation = r.citation;
          if (paths.has('channels')) merged.channels = r.channels;
          if (paths.has('scope')) merged.scope = r.scope;
          if (paths.has('parameters')) merged.parameters = r.parameters;
          if (paths.has('effective_from')) merged.effectiveFrom = r.effectiveFrom;
          if (paths.has('effective_to')) merged.effectiveTo = r.effectiveTo;
          const check = new Violations();
          if (paths.has('parameters') && r.parameters && CASE_TYPE[r.parameters.$case] !== current.ruleType) {
            check.add('rule.parameters', `cannot change the rule type (${current.ruleType}); deactivate this rule and create another`);
          }
          const content = ruleContentFromProto(merged, check, 'rule.');
          check.throwIfAny();
          const c = content as RuleContent;
          return {
            name: c.name,
            description: c.description,
            citation: c.citation,
            channels: c.channels,
            jurisdiction: c.jurisdiction,
            customerId: c.customerId,
            parameters: c.parameters,
            effectiveFrom: c.effectiveFrom,
            effectiveTo: c.effectiveTo,
          };
        },
        { expectedVersion: request.expectedVersion || undefined, action: 'updated' },
        context,
      );
      return { rule: ruleToProto(updated) };
    },

    async deactivateRule(request, context) {
      const v = new Violations();
      const id = requireUuid(v, 'rule_id', request.ruleId);
      const reason = text(v, 'reason', request.reason, { required: true, max: 1000 });
      v.throwIfAny();
      const rule = await store.update(id, () => ({ isActive: false }), { action: 'deactivated', reason }, context);
      return { rule: ruleToProto(rule) };
    },

    async listPresets() {
      return {
        presets: PRESETS.map((p) => ({ name: p.name, description: `${p.title}: ${p.description}`, rules: p.rules.map((r) => presetRuleToProto(r, p.name)) })),
      };
    },

    async installPreset(request, context) {
      const preset = presetByName(request.name);
      if (!request.name) throw InvalidArgumentError.field('name', `is required: one of ${PRESETS.map((p) => p.name).join(', ')}`);
      if (!preset) throw new NotFoundError(`no preset named "${request.name.slice(0, 100)}": the presets are ${PRESETS.map((p) => p.name).join(', ')}`);
      const { rules, installed } = await store.installMissing(
        preset.rules.map((r) => presetRuleContent(r, preset.name)),
        context,
      );
      return { rules: rules.map(ruleToProto), installedCount: installed };
    },
  };
}
