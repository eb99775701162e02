import type { AsyncService } from '@cec/grpc';
import type { campaignsV1 } from '@cec/proto';
import type { CampaignsDeps } from '../campaigns-config';

// PLACEHOLDER: replaced by the real handlers.
const notBuilt = async (): Promise<never> => {
  throw new Error('not built yet');
};

/** escalation.campaigns.v1.TemplateService. */
export function templateService(_deps: CampaignsDeps): AsyncService<campaignsV1.TemplateServiceServer> {
  return {
    createTemplate: notBuilt,
    getTemplate: notBuilt,
    listTemplates: notBuilt,
    updateTemplate: notBuilt,
    renderTemplate: notBuilt,
    listTemplateVariables: notBuilt,
  };
}
