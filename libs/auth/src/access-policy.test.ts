import { join } from 'node:path';
import { workspaceRoot } from '@cec/db';
import { methodTraits } from '@cec/grpc';
import { AccessPolicy } from './access-policy';

const POLICY = `
version: 1
superRoles: [admin]
actOnBehalf: [campaigns]
methods:
  escalation.customers.v1.CustomerService:
    GetCustomer: [collections-operator, service:campaigns]
    CreateCustomer: [collections-operator]
    ListCustomers: []
`;
const GET = '/escalation.customers.v1.CustomerService/GetCustomer';
const CREATE = '/escalation.customers.v1.CustomerService/CreateCustomer';
const LIST = '/escalation.customers.v1.CustomerService/ListCustomers';

describe('the access policy', () => {
  const policy = AccessPolicy.parse(POLICY);

  it('grants a method to the roles and services it lists, and to the super roles', () => {
    expect(policy.allows({ kind: 'token', roles: ['collections-operator'] }, GET)).toBe(true);
    expect(policy.allows({ kind: 'service', service: 'campaigns' }, GET)).toBe(true);
    expect(policy.allows({ kind: 'token', roles: ['admin'] }, LIST)).toBe(true);
    expect(policy.allows({ kind: 'token', roles: ['finance-readonly', 'admin'] }, CREATE)).toBe(true);
  });

  it('denies everything else: other roles, other services, unlisted methods, a service named like a role', () => {
    expect(policy.allows({ kind: 'token', roles: ['finance-readonly'] }, GET)).toBe(false);
    expect(policy.allows({ kind: 'token', roles: [] }, GET)).toBe(false);
    expect(policy.allows({ kind: 'service', service: 'compliance' }, GET)).toBe(false);
    expect(policy.allows({ kind: 'service', service: 'campaigns' }, CREATE)).toBe(false);
    expect(policy.allows({ kind: 'token', roles: ['collections-operator'] }, LIST)).toBe(false);
    expect(policy.allows({ kind: 'token', roles: ['collections-operator'] }, '/escalation.customers.v1.CustomerService/Nope')).toBe(false);
    // "service:campaigns" is a service grant, never a role a token could carry.
    expect(policy.allows({ kind: 'token', roles: ['campaigns'] }, GET)).toBe(false);
    // A super role of services does not exist: admin is a role.
    expect(policy.allows({ kind: 'service', service: 'admin' }, LIST)).toBe(false);
  });

  it('believes the x-actor header only from the services it lists', () => {
    expect(policy.mayActOnBehalf('campaigns')).toBe(true);
    expect(policy.mayActOnBehalf('metrics')).toBe(false);
  });

  it('refuses a malformed policy, naming every mistake', () => {
    const bad = `
version: 2
superRoles: [Admin]
extra: 1
methods:
  customers:
    GetCustomer: collections-operator
  escalation.customers.v1.CustomerService:
    CreateCustomer: [service:Campaigns, "two words"]
`;
    expect(() => AccessPolicy.parse(bad, 'policy.yaml')).toThrow(
      /^policy\.yaml: unknown key "extra"; version: must be 1; superRoles: "Admin" is not a name.*"customers" is not a full service name.*GetCustomer: must be a list.*"service:Campaigns" is neither a role nor service:<name>; .*"two words" is neither/,
    );
    expect(() => AccessPolicy.parse('methods: [', 'p.yaml')).toThrow(/^p\.yaml is not valid YAML/);
  });

  it('must cover every method a server serves, and name no method it does not serve', () => {
    expect(() => policy.coverServed([GET, CREATE, LIST])).not.toThrow();
    expect(() => policy.coverServed([GET, CREATE, LIST, '/escalation.customers.v1.CustomerService/UpdateCustomer'])).toThrow(
      /UpdateCustomer has no entry/,
    );
    expect(() => policy.coverServed([GET, CREATE])).toThrow(/ListCustomers is not a method of the service/);
    // A method of a service the policy has no entries for is refused like any other missing entry.
    expect(() => policy.coverServed(['/escalation.compliance.v1.AuditService/ListAuditEvents'])).toThrow(/ListAuditEvents has no entry/);
  });

  it("of the repository covers every method of every contract", () => {
    const repository = AccessPolicy.load(join(workspaceRoot(), 'config', 'access-policy.yaml'));
    const paths = [...methodTraits().keys()].filter((path) => path.startsWith('/escalation.'));
    expect(paths.length).toBeGreaterThan(60);
    expect(() => repository.coverServed(paths)).not.toThrow();
    // The one role that changes compliance rules.
    const rules = ['CreateRule', 'UpdateRule', 'DeactivateRule', 'InstallPreset'].map((m) => `/escalation.compliance.v1.ComplianceRuleService/${m}`);
    const roles = ['collections-operator', 'finance-readonly', 'agent', 'compliance-officer'];
    for (const path of rules) expect(roles.filter((role) => repository.allows({ kind: 'token', roles: [role] }, path))).toEqual(['compliance-officer']);
  });
});
