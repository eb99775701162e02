import type { Violations } from '@cec/errors';
import { campaignsV1 } from '@cec/proto';
import type { RenderedMessage } from '../domain/render';
import type { TemplateContent } from '../domain/template-rules';
import type { TemplateVariable } from '../domain/template-variables';
import type { TemplateRecord } from '../store/template-store';
import { channels, smsEncodings, tones } from './enums';

/**
 * A request's template as content: enums named (0 and unknown numbers are violations under
 * `prefix`), defaults filled in (tone friendly, language "en"), an empty subject as none.
 * The rules themselves are checkTemplateContent's.
 */
export function templateContentFromProto(t: campaignsV1.Template, v: Violations, prefix = 'template.'): TemplateContent {
  return {
    name: t.name,
    channel: channels.from(t.channel, v, `${prefix}channel`, 'channel') ?? 'email',
    tone: tones.optional(t.tone, v, `${prefix}tone`, 'tone') ?? 'friendly',
    language: t.language || 'en',
    subject: t.subject || null,
    body: t.body,
  };
}

export function templateToProto(t: TemplateRecord): campaignsV1.Template {
  return {
    id: t.id,
    name: t.name,
    channel: channels.to(t.channel),
    tone: tones.to(t.tone),
    language: t.language,
    version: t.version,
    subject: t.subject ?? '',
    body: t.body,
    variables: t.variables,
    active: t.isActive,
    latest: t.latest,
    createTime: t.createdAt,
    createdBy: t.createdBy ?? '',
  };
}

export function renderedToProto(r: RenderedMessage): campaignsV1.RenderedContent {
  return {
    channel: channels.to(r.channel),
    subject: r.subject ?? '',
    body: r.body,
    htmlBody: r.htmlBody ?? '',
    smsEncoding: r.sms ? smsEncodings.to(r.sms.encoding) : campaignsV1.SmsEncoding.SMS_ENCODING_UNSPECIFIED,
    smsSegments: r.sms?.segments ?? 0,
    templateId: r.templateId,
    templateVersion: r.templateVersion,
  };
}

export function variableToProto(v: TemplateVariable): campaignsV1.TemplateVariable {
  return { name: v.name, description: v.description, example: v.example, needsInvoice: v.needsInvoice };
}
