export * from './types';
export { parseRuleParameters, readRuleParameters, ruleParametersToJson, DEFAULT_COOLDOWN_OUTCOMES } from './rule-parameters';
export { validateRuleShape, type RuleShape, type RuleShapeInput } from './rule-shape';
export { applicableRules, isEffectiveAt, ruleTargets, scopeMatches } from './applicable-rules';
export { customerZones, countryZones, type CustomerZones } from './customer-zones';
export { evaluateContact, DEFAULT_HORIZON_DAYS, type ContactQuestion } from './evaluate';
export { PRESETS, presetByName, type Preset, type PresetRule } from './presets';
