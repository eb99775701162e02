/** The rules a template version must pass before it is stored. No transport, no ORM. */
import type { Violations } from '@cec/errors';
import type { Channel } from './contact';
import { readTemplateText } from './template-syntax';

export const TONES = ['friendly', 'firm', 'final', 'legal'] as const;
export type Tone = (typeof TONES)[number];

/** What a template version says (and everything that identifies it but its id and version). */
export interface TemplateContent {
  name: string;
  channel: Channel;
  tone: Tone;
  language: string;
  /** E-mail and letter only. */
  subject: string | null;
  body: string;
}

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_]{0,99}$/;
export const LANGUAGE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;
export const SUBJECT_MAX = 200;
/** SMS bodies are at most 1600 characters (ten concatenated segments; the database holds it too). */
export const SMS_BODY_MAX = 1600;
export const BODY_MAX = 20_000;

/** Channels whose messages are electronic communications under Regulation F. */
const ELECTRONIC: readonly Channel[] = ['email', 'sms'];

/** Words that tell the reader how to opt out, when the template does not use {{opt_out_instructions}}. */
const OPT_OUT_PHRASES = [/\b(reply|text|send|antworten sie)\b[^.\n]{0,20}\bSTOP\b/i, /unsubscribe/i, /\bopt[ -]?out\b/i, /\babmelden\b/i];

/** The body tells the reader how to opt out: {{opt_out_instructions}} or words to that effect. */
export function hasOptOutInstruction(body: string, variables: readonly string[]): boolean {
  return variables.includes('opt_out_instructions') || OPT_OUT_PHRASES.some((p) => p.test(body));
}

/**
 * Checks a template's content, adding each problem to `v` under `prefix` + field (AIP names:
 * `template.body`), and returns the variables subject and body use (subject's first).
 */
export function checkTemplateContent(content: TemplateContent, v: Violations, prefix = 'template.'): string[] {
  if (!NAME_PATTERN.test(content.name)) v.add(`${prefix}name`, content.name ? 'must match ^[a-z0-9][a-z0-9_]{0,99}$ (lower case, digits and _)' : 'is required');
  if (!LANGUAGE_PATTERN.test(content.language)) v.add(`${prefix}language`, `must be a language such as "en", "de" or "en-GB", got "${content.language.slice(0, 20)}"`);

  const takesSubject = content.channel === 'email' || content.channel === 'letter';
  const variables: string[] = [];
  if (takesSubject) {
    const subject = content.subject ?? '';
    if (!subject.trim()) v.add(`${prefix}subject`, `is required for ${content.channel} templates`);
    else {
      const length = [...subject].length;
      if (length > SUBJECT_MAX) v.add(`${prefix}subject`, `must be at most ${SUBJECT_MAX} characters, got ${length}`);
      if (/[\r\n]/.test(subject)) v.add(`${prefix}subject`, 'must be one line');
      const text = readTemplateText(subject);
      for (const problem of text.problems) v.add(`${prefix}subject`, problem);
      variables.push(...text.variables);
    }
  } else if (content.subject) {
    v.add(`${prefix}subject`, `is only for e-mail and letter templates, not ${content.channel}`);
  }

  if (!content.body.trim()) {
    v.add(`${prefix}body`, 'is required');
    return variables;
  }
  const max = content.channel === 'sms' ? SMS_BODY_MAX : BODY_MAX;
  const length = [...content.body].length;
  if (length > max) v.add(`${prefix}body`, `must be at most ${max} characters for ${content.channel} templates, got ${length}`);
  if (content.body.includes('\u0000') || content.subject?.includes('\u0000')) v.add(`${prefix}body`, 'must not contain NUL (\\u0000) characters');
  const text = readTemplateText(content.body);
  for (const problem of text.problems) v.add(`${prefix}body`, problem);
  for (const name of text.variables) if (!variables.includes(name)) variables.push(name);
  if (ELECTRONIC.includes(content.channel) && !hasOptOutInstruction(content.body, text.variables)) {
    v.add(
      `${prefix}body`,
      `${content.channel === 'sms' ? 'an SMS' : 'an e-mail'} template must tell the reader how to opt out: add {{opt_out_instructions}} ` +
        'or words such as "Reply STOP to opt out." or "reply UNSUBSCRIBE" (Regulation F, 12 CFR 1006.6(e), wants a reasonable and simple ' +
        'opt-out method in every electronic communication)',
    );
  }
  return variables;
}
