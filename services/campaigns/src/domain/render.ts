/**
 * Renders a template version for a customer (and an invoice) from facts already fetched: the
 * RPC RenderTemplate and the escalation engine both call renderTemplate. Handlebars in strict
 * mode with only the known helpers (and the templates use none): a value that is missing fails
 * instead of rendering empty. Compiled templates are cached by version id (versions never change).
 */
import { FailedPreconditionError, Violations } from '@cec/errors';
import Handlebars from 'handlebars';
import type { Channel } from './contact';
import { formatMoney, outstandingAmount } from './money-format';
import { daysOverdue, formatDate, renderLocale } from './render-locale';
import { smsShape, type SmsShape } from './sms';
import { htmlTemplateSource, readTemplateText } from './template-syntax';
import { needsInvoice, optOutInstructions, type VariableName } from './template-variables';

/** The template version to render (as stored). */
export interface RenderableTemplate {
  id: string;
  version: number;
  name: string;
  channel: Channel;
  language: string;
  subject: string | null;
  body: string;
}

export interface MoneyFact {
  /** Decimal string. */
  amount: string;
  currencyCode: string;
}

/** What a message says about the customer and the invoice, fetched from the customers service. */
export interface RenderFacts {
  customer: {
    companyName: string;
    /** Empty when the customer has none. */
    contactName: string;
    /** ISO 3166-1 alpha-2; empty when unknown. */
    countryCode: string;
    /** IANA zone; empty when unknown (UTC is used). */
    timeZone: string;
  };
  /** Required when the template uses an invoice variable. */
  invoice?: {
    invoiceNumber: string;
    /** "YYYY-MM-DD". */
    dueDate: string;
    amount: MoneyFact;
    /** What has been paid; what is owed is amount minus this. */
    amountPaid?: MoneyFact;
  };
  /** The instant of rendering (days overdue are counted to this day in the customer's zone). */
  now: Date;
}

export interface RenderSettings {
  /** {{sender_company}} (SENDER_COMPANY). */
  senderCompany: string;
  /** {{payment_link}} is this followed by the payment reference (PAYMENT_LINK_BASE). */
  paymentLinkBase: string;
}

export interface RenderedMessage {
  channel: Channel;
  /** E-mail and letter. */
  subject: string | null;
  /** Plain text. */
  body: string;
  /** E-mail: the body as HTML, every value escaped. */
  htmlBody: string | null;
  /** SMS: how the body is sent. */
  sms: SmsShape | null;
  templateId: string;
  templateVersion: number;
  /** The locale amounts and dates were written for. */
  locale: string;
}

/** The request fields a missing fact is reported under (RenderTemplate's; the engine may map them). */
export const RENDER_FIELDS = { customer: 'customer_id', invoice: 'invoice_id' } as const;

/**
 * The message `template` says for these facts. A value the template needs but the facts lack
 * is INVALID_ARGUMENT naming the variable: under `invoice_id` when there is no invoice, under
 * `customer_id` when the customer has no contact name.
 */
export function renderTemplate(template: RenderableTemplate, facts: RenderFacts, settings: RenderSettings): RenderedMessage {
  const compiled = compiledTemplate(template);
  const locale = renderLocale(template.language, facts.customer.countryCode);
  const values = variableValues(template, facts, settings, locale);

  const v = new Violations();
  const missingInvoice = compiled.variables.filter((name) => needsInvoice(name) && values[name] === undefined);
  if (missingInvoice.length) {
    v.add(
      RENDER_FIELDS.invoice,
      `is required: template ${template.name} uses ${missingInvoice.map((n) => `{{${n}}}`).join(', ')}, which need an invoice of the customer`,
    );
  }
  if (compiled.variables.includes('contact_name') && values.contact_name === undefined) {
    v.add(RENDER_FIELDS.customer, `the customer has no contact name, and template ${template.name} uses {{contact_name}}: set the customer's contact_name`);
  }
  v.throwIfAny();

  const context = Object.fromEntries(compiled.variables.map((name) => [name, values[name]]));
  const subjectContext = Object.fromEntries(Object.entries(context).map(([k, value]) => [k, String(value).replace(/[\r\n]+/g, ' ')]));
  const body = compiled.text(context);
  return {
    channel: template.channel,
    subject: compiled.subject ? compiled.subject(subjectContext) : null,
    body,
    htmlBody: compiled.html ? compiled.html(context) : null,
    sms: template.channel === 'sms' ? smsShape(body) : null,
    templateId: template.id,
    templateVersion: template.version,
    locale,
  };
}

type Values = Partial<Record<VariableName, string>>;

function variableValues(template: RenderableTemplate, facts: RenderFacts, settings: RenderSettings, locale: string): Values {
  const { customer, invoice } = facts;
  const values: Values = {
    company_name: customer.companyName,
    contact_name: customer.contactName.trim() || undefined,
    sender_company: settings.senderCompany,
    opt_out_instructions: optOutInstructions(template.channel, template.language),
  };
  if (invoice) {
    const owed = outstandingAmount(invoice.amount.amount, invoice.amountPaid?.amount);
    const reference = invoice.invoiceNumber;
    Object.assign(values, {
      amount_due: formatMoney(owed, invoice.amount.currencyCode, locale),
      currency: invoice.amount.currencyCode,
      invoice_number: invoice.invoiceNumber,
      due_date: formatDate(invoice.dueDate, locale),
      days_overdue: String(daysOverdue(invoice.dueDate, facts.now, customer.timeZone)),
      payment_reference: reference,
      payment_link: `${settings.paymentLinkBase}${encodeURIComponent(reference)}`,
    } satisfies Values);
  }
  return values;
}

interface Compiled {
  subjectSource: string | null;
  bodySource: string;
  variables: VariableName[];
  subject: HandlebarsTemplateDelegate | null;
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate | null;
}

/** One Handlebars environment of our own: no helper or partial anyone registers globally reaches it. */
const engine = Handlebars.create();
const STRICT = { strict: true, knownHelpersOnly: true, knownHelpers: {}, data: false } as const;
const CACHE_LIMIT = 5_000;
const cache = new Map<string, Compiled>();

/** The compiled parts of a version, from the cache when the same id holds the same text. */
function compiledTemplate(template: RenderableTemplate): Compiled {
  const cached = cache.get(template.id);
  if (cached && cached.bodySource === template.body && cached.subjectSource === template.subject) return cached;
  const subject = template.subject ?? '';
  const subjectText = readTemplateText(subject);
  const bodyText = readTemplateText(template.body);
  const problems = [...subjectText.problems, ...bodyText.problems];
  // Refused at create and update; a row written some other way (by hand, an old seed) is not rendered.
  if (problems.length) {
    throw new FailedPreconditionError(`template ${template.name} version ${template.version} (${template.id}) cannot be rendered: ${problems.join('; ')}`);
  }
  const variables = [...new Set([...subjectText.variables, ...bodyText.variables])];
  const compiled: Compiled = {
    subjectSource: template.subject,
    bodySource: template.body,
    variables,
    subject: template.subject !== null && (template.channel === 'email' || template.channel === 'letter') ? engine.compile(subject, { ...STRICT, noEscape: true }) : null,
    text: engine.compile(template.body, { ...STRICT, noEscape: true }),
    html: template.channel === 'email' ? engine.compile(htmlTemplateSource(template.body), STRICT) : null,
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(template.id, compiled);
  return compiled;
}
