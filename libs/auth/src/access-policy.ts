import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Who is calling, as far as the policy cares: a service (by its certificate) or a token's roles. */
export type Principal = { kind: 'service'; service: string } | { kind: 'token'; roles: readonly string[] };

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SERVICE_ENTRY = /^service:([a-z][a-z0-9-]{0,62})$/;
const FULL_SERVICE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Z][A-Za-z0-9]*$/;

/** What one method allows. */
interface MethodRule {
  roles: Set<string>;
  services: Set<string>;
}

/**
 * The access policy (config/access-policy.yaml): for every method of every service, the roles
 * and the services that may call it; the roles that may call everything; the services whose
 * calls may say on whose behalf they are made. Anything not granted is denied. It is read
 * once at start and checked against the methods the service serves (`coverServed`), so a
 * method nobody thought about is a start-up error rather than a silent hole.
 */
export class AccessPolicy {
  private constructor(
    readonly source: string,
    private readonly superRoles: Set<string>,
    private readonly onBehalf: Set<string>,
    private readonly rules: Map<string, MethodRule>,
    private readonly services: Set<string>,
  ) {}

  static load(file: string): AccessPolicy {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the access policy ${file}: ${(error as Error).message}`);
    }
    return AccessPolicy.parse(text, file);
  }

  /** Parses and checks a policy; the error names every mistake with where it is. */
  static parse(text: string, source = 'access policy'): AccessPolicy {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      throw new Error(`${source} is not valid YAML: ${(error as Error).message}`);
    }
    const problems: string[] = [];
    const root = isObject(doc) ? doc : (problems.push('the document must be a mapping'), {});
    for (const key of Object.keys(root)) {
      if (!['version', 'superRoles', 'actOnBehalf', 'methods'].includes(key)) problems.push(`unknown key "${key}"`);
    }
    if (root.version !== 1) problems.push('version: must be 1');
    const names = (value: unknown, where: string): string[] => {
      if (!Array.isArray(value)) {
        problems.push(`${where}: must be a list`);
        return [];
      }
      return value.filter((v) => (typeof v === 'string' && NAME.test(v)) || (problems.push(`${where}: "${String(v)}" is not a name (lower-case letters, digits, dashes)`), false));
    };
    const superRoles = new Set(names(root.superRoles ?? [], 'superRoles'));
    const onBehalf = new Set(names(root.actOnBehalf ?? [], 'actOnBehalf'));
    const rules = new Map<string, MethodRule>();
    const services = new Set<string>();
    const methods = isObject(root.methods) ? root.methods : (problems.push('methods: must be a mapping of service to methods'), {});
    for (const [service, byMethod] of Object.entries(methods)) {
      if (!FULL_SERVICE.test(service)) problems.push(`methods: "${service}" is not a full service name (e.g. escalation.customers.v1.CustomerService)`);
      if (!isObject(byMethod)) {
        problems.push(`methods.${service}: must be a mapping of method to who may call it`);
        continue;
      }
      services.add(service);
      for (const [method, who] of Object.entries(byMethod)) {
        const where = `methods.${service}.${method}`;
        const rule: MethodRule = { roles: new Set(), services: new Set() };
        if (!Array.isArray(who)) {
          problems.push(`${where}: must be a list of roles and service:<name> entries ([] for nobody but ${[...superRoles].join(', ') || 'no one'})`);
          continue;
        }
        for (const entry of who) {
          const match = typeof entry === 'string' ? SERVICE_ENTRY.exec(entry) : null;
          if (match) rule.services.add(match[1]);
          else if (typeof entry === 'string' && NAME.test(entry)) rule.roles.add(entry);
          else problems.push(`${where}: "${String(entry)}" is neither a role nor service:<name>`);
        }
        rules.set(`/${service}/${method}`, rule);
      }
    }
    if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
    return new AccessPolicy(source, superRoles, onBehalf, rules, services);
  }

  /**
   * Checks the policy against the methods a server serves ("/pkg.Service/Method"): each must
   * have an entry, and each entry of those services must name a served method (a typo would
   * otherwise grant nothing and deny everything, silently).
   */
  coverServed(methodPaths: readonly string[]): void {
    const served = new Set(methodPaths);
    const missing = methodPaths.filter((path) => !this.rules.has(path));
    const servedServices = new Set(methodPaths.map((path) => path.split('/')[1]));
    const unknown = [...this.rules.keys()].filter((path) => servedServices.has(path.split('/')[1]) && !served.has(path));
    const problems = [
      ...missing.map((path) => `${path} has no entry (list who may call it, or [] for only ${[...this.superRoles].join(', ') || 'no one'})`),
      ...unknown.map((path) => `${path} is not a method of the service`),
    ];
    if (problems.length) throw new Error(`${this.source}: ${problems.join('; ')}`);
  }

  allows(principal: Principal, methodPath: string): boolean {
    const rule = this.rules.get(methodPath);
    if (principal.kind === 'service') return rule?.services.has(principal.service) ?? false;
    return principal.roles.some((role) => this.superRoles.has(role) || (rule?.roles.has(role) ?? false));
  }

  /** The service may say on whose behalf it calls (x-actor), and be believed. */
  mayActOnBehalf(service: string): boolean {
    return this.onBehalf.has(service);
  }

  /** The services the policy has entries for. */
  serviceNames(): string[] {
    return [...this.services];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
