/*
 * Who may call the customers service, with authentication on (TLS_* and AUTH_* set): real
 * servers over real TLS, tokens signed by a test key, certificates of a test CA.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';
import { status } from '@grpc/grpc-js';
import { customersV1 } from '@cec/proto';
import { startService, type RunningService } from '@cec/service-runtime';
import { call, createTestIdentity, rejectionOf, snapshot, startTestService, type TestIdentity, type TestService } from '@cec/testing';
import { customersServiceSpec } from './customers-service';

const CLIENTS = { customers: customersV1.CustomerServiceClient };
type Kit = TestService<RunningService, typeof CLIENTS>;

let identity: TestIdentity;
let kit: Kit;
/** A client of the service with the given TLS (a person's: the CA only; a service's: its certificate too). */
let clientAs: (as?: string) => customersV1.CustomerServiceClient;
const opened: customersV1.CustomerServiceClient[] = [];

beforeAll(async () => {
  identity = await createTestIdentity();
  // The repository's policy, with CreateCustomer opened to two services for the on-behalf-of
  // test: campaigns, which may act on behalf of others, and metrics, which may not.
  const policy = readFileSync(join(workspaceRoot(), 'config', 'access-policy.yaml'), 'utf8');
  const widened = policy.replace('CreateCustomer: [collections-operator]', 'CreateCustomer: [collections-operator, service:campaigns, service:metrics]');
  expect(widened).not.toBe(policy);
  const policyFile = join(identity.dir, 'access-policy.yaml');
  writeFileSync(policyFile, widened);
  kit = await startTestService(customersServiceSpec, {
    start: startService,
    clients: CLIENTS,
    channelCredentials: identity.credentials(),
    env: { ...identity.serviceEnv('customers'), AUTH_POLICY_FILE: policyFile, OVERDUE_SWEEP_INTERVAL_MS: '0' },
  });
  clientAs = (as) => {
    const client = new customersV1.CustomerServiceClient(kit.address, identity.credentials(as));
    opened.push(client);
    return client;
  };
});

afterAll(async () => {
  opened.forEach((c) => c.close());
  await kit?.stop();
  identity?.remove();
});

const newCustomer = () =>
  customersV1.CreateCustomerRequest.fromPartial({ customer: { companyName: `Acme ${randomUUID().slice(0, 8)}`, email: 'ap@acme.example' }, requestId: randomUUID() });

const TABLES = ['customers', 'customer_profiles'];
const audit = (action: string) =>
  kit.db.query<{ actor_type: string; actor_id: string; details: Record<string, unknown> }>(
    'SELECT actor_type, actor_id, details FROM audit_logs WHERE action = $1 ORDER BY append_id',
    [action],
  );

describe('customers with authentication on', () => {
  it('answers UNAUTHENTICATED to a call without credentials, and changes nothing', async () => {
    const before = await snapshot(kit.db, TABLES);
    const error = await rejectionOf(call(kit.clients.customers, 'createCustomer', newCustomer()));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toContain('no credentials');
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
  });

  it('refuses an expired token, a token for another audience and one from another issuer', async () => {
    const cases = [
      [await identity.bearer('ops@acme.example', ['collections-operator'], { expiresInSeconds: -600 }), 'expired'],
      [await identity.bearer('ops@acme.example', ['collections-operator'], { audience: 'another-product' }), 'another audience'],
      [await identity.bearer('ops@acme.example', ['collections-operator'], { issuer: 'https://evil.example' }), 'another issuer'],
    ] as const;
    for (const [metadata, words] of cases) {
      const error = await rejectionOf(call(kit.clients.customers, 'createCustomer', newCustomer(), { metadata }));
      expect(error.code).toBe(status.UNAUTHENTICATED);
      expect(error.details).toContain(words);
    }
  });

  it('refuses a client certificate from another CA', async () => {
    const foreign = new customersV1.CustomerServiceClient(kit.address, await identity.foreignCredentials('campaigns'));
    opened.push(foreign);
    const error = await rejectionOf(
      call(foreign, 'batchGetContactProfiles', customersV1.BatchGetContactProfilesRequest.fromPartial({ customerIds: [randomUUID()] })),
    );
    // The server asks for a certificate without insisting (people bring tokens), and a certificate
    // our CA did not issue counts as none: the call is not campaigns' (which may call this method).
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toContain('no credentials');
  });

  it('lets an operator create a customer, recorded as the token subject', async () => {
    const metadata = await identity.bearer('ops@acme.example', ['collections-operator']);
    const created = await call(kit.clients.customers, 'createCustomer', newCustomer(), { metadata });
    const rows = await kit.db.query<{ actor_type: string; actor_id: string }>(
      "SELECT actor_type, actor_id FROM audit_logs WHERE entity_id = $1 AND action = 'created'",
      [created.customer?.id],
    );
    expect(rows).toEqual([{ actor_type: 'user', actor_id: 'ops@acme.example' }]);
  });

  it('answers PERMISSION_DENIED to a role without the right, changes nothing and records the refusal', async () => {
    const metadata = await identity.bearer('reader@acme.example', ['finance-readonly']);
    const before = await snapshot(kit.db, TABLES);
    const error = await rejectionOf(call(kit.clients.customers, 'createCustomer', newCustomer(), { metadata }));
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain('escalation.customers.v1.CustomerService/CreateCustomer');
    expect(await snapshot(kit.db, TABLES)).toEqual(before);
    const denied = await audit('permission_denied');
    expect(denied).toContainEqual(
      expect.objectContaining({ actor_type: 'user', actor_id: 'reader@acme.example', details: expect.objectContaining({ method: 'escalation.customers.v1.CustomerService/CreateCustomer' }) }),
    );
    // The same token may read.
    await expect(call(kit.clients.customers, 'listCustomers', customersV1.ListCustomersRequest.fromPartial({}), { metadata })).resolves.toBeDefined();
  });

  it('takes the actor a service passes along only from a service allowed to act on behalf of others', async () => {
    const actorOf = async (id: string | undefined) =>
      kit.db.query<{ actor_type: string; actor_id: string; via: string | null }>(
        "SELECT actor_type, actor_id, details->>'via' AS via FROM audit_logs WHERE entity_id = $1 AND action = 'created'",
        [id],
      );
    // campaigns may: the row names the person, and campaigns as the service it came through.
    const viaCampaigns = await call(clientAs('campaigns'), 'createCustomer', newCustomer(), { metadata: { 'x-actor': 'user:dana@acme.example' } });
    expect(await actorOf(viaCampaigns.customer?.id)).toEqual([{ actor_type: 'user', actor_id: 'dana@acme.example', via: 'service:campaigns' }]);
    // metrics may not: its forged x-actor is ignored, the row names metrics.
    const forged = await call(clientAs('metrics'), 'createCustomer', newCustomer(), { metadata: { 'x-actor': 'user:ceo@acme.example' } });
    expect(await actorOf(forged.customer?.id)).toEqual([{ actor_type: 'service', actor_id: 'metrics', via: null }]);
    // A person cannot act for another either.
    const operator = await identity.bearer('ops@acme.example', ['collections-operator']);
    const asOps = await call(kit.clients.customers, 'createCustomer', newCustomer(), { metadata: { ...operator, 'x-actor': 'user:ceo@acme.example' } });
    expect(await actorOf(asOps.customer?.id)).toEqual([{ actor_type: 'user', actor_id: 'ops@acme.example', via: null }]);
  });

  it('refuses a service the policy does not grant, and records the refusal as that service', async () => {
    const error = await rejectionOf(
      call(clientAs('metrics'), 'batchGetContactProfiles', customersV1.BatchGetContactProfilesRequest.fromPartial({ customerIds: [randomUUID()] }), {
        metadata: { 'x-actor': 'user:ceo@acme.example' },
      }),
    );
    expect(error.code).toBe(status.PERMISSION_DENIED);
    const denied = await audit('permission_denied');
    expect(denied.at(-1)).toMatchObject({ actor_type: 'service', actor_id: 'metrics' });
  });

  it('keeps health open to probes on the plaintext health port', async () => {
    expect(kit.service.healthPort).toBeGreaterThan(0);
  });
});
