import { AgentEntity } from './agent.entity';
import { CampaignEntity } from './campaign.entity';
import { TemplateEntity } from './template.entity';

export { AgentEntity, type AgentRow } from './agent.entity';
export { CampaignEntity, type CampaignRow } from './campaign.entity';
export { TemplateEntity, type TemplateRow } from './template.entity';

/**
 * The entities of the campaigns service: the rows changed by business rules (campaign state
 * machine, agent registration, template versions). The queue (tasks), contact attempts and the
 * outbox are reached with SQL: claims, completions and relays are queue and bulk work.
 */
export const ENTITIES = [AgentEntity, CampaignEntity, TemplateEntity];
