import { decodePageToken, filterFingerprint, pageSize, paginate, resolveUpdateMask, type AsyncService } from '@cec/grpc';
import { InvalidArgumentError, Violations } from '@cec/errors';
import type { campaignsV1 } from '@cec/proto';
import { optionalUuid, requireUuid } from '@cec/validation';
import type { CampaignsDeps } from '../campaigns-config';
import { renderTemplate, type RenderSettings } from '../domain/render';
import { checkTemplateContent, LANGUAGE_PATTERN, NAME_PATTERN, type TemplateContent } from '../domain/template-rules';
import { TEMPLATE_VARIABLES } from '../domain/template-variables';
import { TemplateStore, type TemplateFilters, type TemplateKey, type TemplateRecord, type TemplateVersionInput } from '../store/template-store';
import { channels, tones } from './enums';
import { fetchRenderFacts } from './template-facts';
import { renderedToProto, templateContentFromProto, templateToProto, variableToProto } from './template-messages';

/** The fields UpdateTemplate may change (AIP-134 paths); name, channel and language never change. */
const UPDATABLE = ['subject', 'body', 'tone', 'active'] as const;
type Updatable = (typeof UPDATABLE)[number];

function populated(t: campaignsV1.Template): Updatable[] {
  const out: Updatable[] = [];
  if (t.subject) out.push('subject');
  if (t.body) out.push('body');
  if (t.tone) out.push('tone');
  // false is proto3's unset: deactivating needs "active" in the mask.
  if (t.active) out.push('active');
  return out;
}

/** escalation.campaigns.v1.TemplateService over the template store and the customers service. */
export function templateService(deps: CampaignsDeps): AsyncService<campaignsV1.TemplateServiceServer> {
  const store = new TemplateStore(deps.orm);
  const settings: RenderSettings = { senderCompany: deps.settings.SENDER_COMPANY, paymentLinkBase: deps.settings.PAYMENT_LINK_BASE };

  return {
    async createTemplate(request, context) {
      const v = new Violations();
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      if (!request.template) throw InvalidArgumentError.field('template', 'is required');
      const content = templateContentFromProto(request.template, v);
      const variables = v.has('template.channel') ? [] : checkTemplateContent(content, v);
      v.throwIfAny();
      return { template: templateToProto(await store.create({ content, variables, isActive: true }, requestId, context)) };
    },

    async getTemplate(request) {
      const v = new Violations();
      const id = requireUuid(v, 'template_id', request.templateId);
      v.throwIfAny();
      return { template: templateToProto(await store.get(id)) };
    },

    async listTemplates(request) {
      const v = new Violations();
      const size = pageSize(request.pageSize);
      const filters: TemplateFilters = {
        channel: channels.optional(request.channel, v, 'channel', 'channel'),
        name: request.name || undefined,
        language: request.language || undefined,
        tone: tones.optional(request.tone, v, 'tone', 'tone'),
        includeInactive: request.includeInactive,
        allVersions: request.allVersions,
      };
      if (filters.name && !NAME_PATTERN.test(filters.name)) v.add('name', 'must be a template name: ^[a-z0-9][a-z0-9_]{0,99}$');
      if (filters.language && !LANGUAGE_PATTERN.test(filters.language)) v.add('language', 'must be a language such as "en", "de" or "en-GB"');
      v.throwIfAny();
      const fingerprint = filterFingerprint(filters);
      const key = decodePageToken(request.pageToken, fingerprint, ['text', 'text', 'text']);
      if (key && !/^\d{1,9}$/.test(key[2])) throw InvalidArgumentError.field('page_token', 'is not a token this API issued; pass next_page_token unchanged');
      const after: TemplateKey | undefined = key ? [key[0], key[1], Number(key[2])] : undefined;
      const rows = await store.list(filters, after, size + 1);
      const { page, nextPageToken } = paginate(rows, size, (t) => [t.name, t.language, String(t.version)], fingerprint);
      return { templates: page.map(templateToProto), nextPageToken };
    },

    async updateTemplate(request, context) {
      const v = new Violations();
      if (!request.template) throw InvalidArgumentError.field('template', 'is required');
      const t = request.template;
      const id = requireUuid(v, 'template.id', t.id);
      const requestId = optionalUuid(v, 'request_id', request.requestId);
      const tone = tones.optional(t.tone, v, 'template.tone', 'tone');
      if (t.channel) channels.from(t.channel, v, 'template.channel', 'channel');
      v.throwIfAny();
      const paths = resolveUpdateMask(request.updateMask, { allowed: UPDATABLE, resource: 'template', populated: () => populated(t) });
      const updated = await store.update(
        id,
        (current) => {
          const content: TemplateContent = {
            name: current.name,
            channel: current.channel,
            language: current.language,
            tone: paths.has('tone') ? (tone ?? 'friendly') : current.tone,
            subject: paths.has('subject') ? t.subject || null : current.subject,
            body: paths.has('body') ? t.body : current.body,
          };
          const isActive = paths.has('active') ? t.active : current.isActive;
          const check = new Violations();
          immutable(check, 'name', t.name, current.name);
          immutable(check, 'language', t.language, current.language);
          if (t.channel && channels.to(current.channel) !== t.channel) check.add('template.channel', `cannot change (${current.channel}): create a new template instead`);
          const variables = checkTemplateContent(content, check);
          check.throwIfAny();
          return unchanged(current, content, isActive) ? undefined : ({ content, variables, isActive } satisfies TemplateVersionInput);
        },
        requestId,
        context,
      );
      return { template: templateToProto(updated) };
    },

    async renderTemplate(request) {
      const v = new Violations();
      const templateId = requireUuid(v, 'template_id', request.templateId);
      const customerId = requireUuid(v, 'customer_id', request.customerId);
      const invoiceId = optionalUuid(v, 'invoice_id', request.invoiceId);
      v.throwIfAny();
      const template = await store.get(templateId);
      const facts = await fetchRenderFacts(deps.clients, customerId, invoiceId);
      return { content: renderedToProto(renderTemplate(template, facts, settings)) };
    },

    async listTemplateVariables() {
      return { variables: TEMPLATE_VARIABLES.map(variableToProto) };
    },
  };
}

function immutable(v: Violations, field: 'name' | 'language', requested: string, current: string): void {
  if (requested && requested !== current) v.add(`template.${field}`, `cannot change ("${current}"): create a new template instead`);
}

function unchanged(current: TemplateRecord, content: TemplateContent, isActive: boolean): boolean {
  return current.subject === content.subject && current.body === content.body && current.tone === content.tone && current.isActive === isActive;
}
