/** The variables templates may use ({{name}}), and what each renders. No transport, no ORM. */

import type { Channel } from './contact';

export interface TemplateVariable {
  name: string;
  description: string;
  /** As rendered for an en-US customer. */
  example: string;
  /** Rendering it needs an invoice. */
  needsInvoice: boolean;
}

/** Every variable, in the order ListTemplateVariables answers them. */
export const TEMPLATE_VARIABLES: readonly TemplateVariable[] = [
  { name: 'company_name', description: "The customer's company name.", example: 'Acme Logistics Inc.', needsInvoice: false },
  {
    name: 'contact_name',
    description: 'The person to talk to at the customer (a customer without one cannot be rendered a template that uses it).',
    example: 'Dana Whitfield',
    needsInvoice: false,
  },
  { name: 'sender_company', description: 'Our company name (the SENDER_COMPANY setting of the campaigns service).', example: 'Client Escalation Calls', needsInvoice: false },
  {
    name: 'opt_out_instructions',
    description:
      'How to stop these messages, per channel: SMS "Reply STOP to opt out.", e-mail a sentence about replying UNSUBSCRIBE, ' +
      'phone and letter a sentence on how to ask us to stop. English, or German for templates in German. ' +
      'E-mail and SMS templates must carry it or words of their own to the same effect (Regulation F, 12 CFR 1006.6(e)).',
    example: 'Reply STOP to opt out.',
    needsInvoice: false,
  },
  {
    name: 'amount_due',
    description: "What is still owed on the invoice (amount minus payments), with its currency, formatted for the customer's locale.",
    example: '$4,210.00',
    needsInvoice: true,
  },
  { name: 'currency', description: "The invoice's ISO 4217 currency code.", example: 'USD', needsInvoice: true },
  { name: 'invoice_number', description: "The invoice's number.", example: 'INV-2026-0004', needsInvoice: true },
  { name: 'due_date', description: "The invoice's due date, written out for the customer's locale.", example: 'March 5, 2026', needsInvoice: true },
  {
    name: 'days_overdue',
    description: "Whole days from the due date to today in the customer's time zone; 0 when not yet due.",
    example: '12',
    needsInvoice: true,
  },
  {
    name: 'payment_reference',
    description: 'What to quote with the payment: the invoice number.',
    example: 'INV-2026-0004',
    needsInvoice: true,
  },
  {
    name: 'payment_link',
    description: 'Where to pay online: the PAYMENT_LINK_BASE setting followed by the payment reference (URL-encoded).',
    example: 'https://pay.example.com/invoices/INV-2026-0004',
    needsInvoice: true,
  },
];

export type VariableName =
  | 'company_name'
  | 'contact_name'
  | 'sender_company'
  | 'opt_out_instructions'
  | 'amount_due'
  | 'currency'
  | 'invoice_number'
  | 'due_date'
  | 'days_overdue'
  | 'payment_reference'
  | 'payment_link';

const BY_NAME = new Map(TEMPLATE_VARIABLES.map((v) => [v.name, v]));

export const isKnownVariable = (name: string): name is VariableName => BY_NAME.has(name);

export const needsInvoice = (name: string): boolean => BY_NAME.get(name)?.needsInvoice ?? false;

/** The opt-out sentence of a channel, in the template's language (German or English). */
export function optOutInstructions(channel: Channel, language: string): string {
  const german = language === 'de' || language.startsWith('de-');
  return (german ? OPT_OUT_DE : OPT_OUT_EN)[channel];
}

const OPT_OUT_EN: Record<Channel, string> = {
  sms: 'Reply STOP to opt out.',
  email: 'To stop receiving these e-mails, reply with the word UNSUBSCRIBE.',
  phone: 'If you would like us to stop calling you, say so now and we will note it.',
  letter: 'If you would like us to stop contacting you, write to us or reply to any of our e-mails with the word UNSUBSCRIBE.',
};

const OPT_OUT_DE: Record<Channel, string> = {
  sms: 'Antworten Sie STOP, um keine SMS mehr zu erhalten.',
  email: 'Wenn Sie keine weiteren E-Mails erhalten möchten, antworten Sie mit dem Wort UNSUBSCRIBE.',
  phone: 'Wenn Sie keine weiteren Anrufe wünschen, sagen Sie es uns bitte jetzt.',
  letter: 'Wenn Sie keine weiteren Nachrichten von uns wünschen, schreiben Sie uns oder antworten Sie auf eine unserer E-Mails mit dem Wort UNSUBSCRIBE.',
};
