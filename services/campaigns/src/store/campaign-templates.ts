import { Violations } from '@cec/errors';
import { sql, type SqlTarget } from '@cec/orm';
import type { Channel } from '../domain/contact';
import { PRESET_LANGUAGE, presetDrafts, presetTemplateNames, type CampaignPreset } from '../domain/presets';
import { validateSteps, type EscalationStep, type TemplateFacts } from '../domain/step';

interface TemplateFactsRow {
  id: string;
  name: string;
  channel: Channel;
  language: string;
  version: number;
  is_active: boolean;
}

const COLUMNS = 't.id, t.name, t.channel, t.language, t.version, t.is_active';

const facts = (r: TemplateFactsRow): TemplateFacts => ({ id: r.id, name: r.name, channel: r.channel, language: r.language, version: r.version, active: r.is_active });

/** The template versions with these ids (templates is this service's own table), by id. */
export async function templatesByIds(em: SqlTarget, ids: readonly string[]): Promise<Map<string, TemplateFacts>> {
  if (!ids.length) return new Map();
  const rows = await sql<TemplateFactsRow>(em, `SELECT ${COLUMNS} FROM templates t WHERE t.id = ANY(?::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id, facts(r)]));
}

/** The active versions of these names in these languages: what a preset's names resolve among. */
export async function activeTemplatesNamed(em: SqlTarget, names: readonly string[], languages: readonly string[]): Promise<TemplateFacts[]> {
  if (!names.length) return [];
  const rows = await sql<TemplateFactsRow>(
    em,
    `SELECT ${COLUMNS} FROM templates t WHERE t.name = ANY(?::text[]) AND t.language = ANY(?::text[]) AND t.is_active`,
    [names, languages],
  );
  return rows.map(facts);
}

/**
 * A preset's steps with each template name resolved to its latest active version in `language`,
 * else in English (what CreateCampaign with a preset stores, and what auto-enrolment uses). A
 * template with no active version is FAILED_PRECONDITION naming each one.
 */
export async function resolvePresetSteps(em: SqlTarget, preset: CampaignPreset, language = PRESET_LANGUAGE): Promise<EscalationStep[]> {
  const candidates = await activeTemplatesNamed(em, presetTemplateNames(preset), [...new Set([language, 'en'])]);
  const check = new Violations();
  const steps = validateSteps(presetDrafts(preset, candidates, language), new Map(candidates.map((t) => [t.id, t])), check);
  check.throwIfAny();
  return steps;
}
