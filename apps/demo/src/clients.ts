import { credentials, Metadata, type ChannelCredentials, type Client } from '@grpc/grpc-js';
import { campaignsV1, complianceV1, customersV1 } from '@cec/proto';

/** Where the services answer (host:port of their TLS gRPC ports). */
export interface DemoAddresses {
  customers: string;
  campaigns: string;
  compliance: string;
}

/** TLS that trusts the deployment's CA, and a bearer token on every call. */
export function tokenCredentials(caPem: Buffer, token: string): ChannelCredentials {
  const bearer = credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    callback(null, metadata);
  });
  return credentials.combineChannelCredentials(credentials.createSsl(caPem), bearer);
}

/** The clients an operator (collections and compliance) uses in the story. */
export function operatorClients(addresses: DemoAddresses, channel: ChannelCredentials) {
  return {
    customers: new customersV1.CustomerServiceClient(addresses.customers, channel),
    invoices: new customersV1.InvoiceServiceClient(addresses.customers, channel),
    templates: new campaignsV1.TemplateServiceClient(addresses.campaigns, channel),
    campaigns: new campaignsV1.CampaignServiceClient(addresses.campaigns, channel),
    agents: new campaignsV1.AgentServiceClient(addresses.campaigns, channel),
    tasks: new campaignsV1.TaskServiceClient(addresses.campaigns, channel),
    escalation: new campaignsV1.EscalationServiceClient(addresses.campaigns, channel),
    rules: new complianceV1.ComplianceRuleServiceClient(addresses.compliance, channel),
    decisions: new complianceV1.ComplianceServiceClient(addresses.compliance, channel),
    optOuts: new complianceV1.OptOutServiceClient(addresses.compliance, channel),
    audit: new complianceV1.AuditServiceClient(addresses.compliance, channel),
  };
}

/** The clients an agent uses: its heartbeat and the queue. */
export function agentClients(addresses: DemoAddresses, channel: ChannelCredentials) {
  return {
    agents: new campaignsV1.AgentServiceClient(addresses.campaigns, channel),
    tasks: new campaignsV1.TaskServiceClient(addresses.campaigns, channel),
  };
}

export function closeAll(clients: Record<string, Client>): void {
  for (const client of Object.values(clients)) client.close();
}
