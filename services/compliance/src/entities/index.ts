import { ComplianceRuleEntity } from './compliance-rule.entity';

export { ComplianceRuleEntity, type ComplianceRuleRow } from './compliance-rule.entity';

/** Every entity of the compliance service (its other tables are reached with SQL: decisions and history are bulk work). */
export const ENTITIES = [ComplianceRuleEntity];
