// escalation.campaigns.v1
export * from './gen/escalation/campaigns/v1/agent';
export * from './gen/escalation/campaigns/v1/agent_service';
export * from './gen/escalation/campaigns/v1/campaign';
export * from './gen/escalation/campaigns/v1/campaign_service';
export * from './gen/escalation/campaigns/v1/contact_attempt';
export * from './gen/escalation/campaigns/v1/contact_attempt_service';
export * from './gen/escalation/campaigns/v1/escalation';
export * from './gen/escalation/campaigns/v1/escalation_service';
export * from './gen/escalation/campaigns/v1/task';
export * from './gen/escalation/campaigns/v1/task_service';
export * from './gen/escalation/campaigns/v1/template';
export * from './gen/escalation/campaigns/v1/template_service';
export * from './gen/escalation/campaigns/v1/types';
