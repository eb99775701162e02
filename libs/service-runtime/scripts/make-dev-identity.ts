/**
 * `npm run identity:dev -- [options]`: a development CA, a certificate per service and a token
 * signing key (with its JWKS) in one folder, for docker-compose secrets, Kubernetes secrets or
 * `npm start` (which uses the same folder by default); and, with --token, a bearer token for a
 * person or an agent. Certificates still valid for a day or more are kept unless --new.
 *
 *   npm run identity:dev                                          CA, certificates, JWKS in .data/identity
 *   npm run identity:dev -- --dir deploy/identity --dns customers.prod.internal
 *   npm run identity:dev -- --token --sub 20000000-0000-4000-8000-000000000006 --roles agent
 *   npm run identity:dev -- --token --sub alice --roles finance-readonly --hours 2 --out -
 */
import { chmodSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_NAMES } from '../src/index';
import { defaultIdentityDir, shownPath, writeSystemIdentity, writeTokenFile } from './dev-identity';

const USAGE = `usage: npm run identity:dev -- [--dir DIR] [--new] [--dns NAME,...] [--readable-keys]
                             [--token --sub SUBJECT --roles ROLE,... [--hours N] [--out FILE|-]]
  --dir DIR         where the files go (default .data/identity, the folder npm start uses)
  --new             a new CA, certificates and signing key even if the present ones are still valid
                    (services started with the old ones then refuse the new certificates: restart them all)
  --dns NAME,...    more DNS names in every service certificate (the names clients reach them by);
                    the service certificates are then issued anew by the kept CA
  --readable-keys   make the services' private keys readable by every user (mode 0644; the folder stays 0700):
                    for docker-compose file secrets when your user id is not 1000, the images' user
  --token           also mint a bearer token signed by the folder's key:
    --sub SUBJECT   who it is: a person's name, or an agent's id (agents may only work their own tasks)
    --roles R,...   roles of config/access-policy.yaml (collections-operator, compliance-officer,
                    finance-readonly, agent, admin)
    --hours N       how long it is valid (default 12)
    --out FILE      where to write it (default DIR/<subject>.token); "-" prints the token alone on stdout`;

function fail(message: string): never {
  console.error(`identity:dev: ${message}\n${USAGE}`);
  process.exit(2);
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        dir: { type: 'string' },
        new: { type: 'boolean', default: false },
        dns: { type: 'string' },
        'readable-keys': { type: 'boolean', default: false },
        token: { type: 'boolean', default: false },
        sub: { type: 'string' },
        roles: { type: 'string' },
        hours: { type: 'string', default: '12' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // npm run changes to the repository root; paths the user gives are from where they typed the command.
  const here = process.env.INIT_CWD ?? process.cwd();
  const dir = values.dir ? resolve(here, values.dir) : defaultIdentityDir();
  const roles = list(values.roles);
  const hours = Number(values.hours);
  if (values.token) {
    if (!values.sub) fail('--token needs --sub');
    if (roles.length === 0) fail('--token needs --roles');
    if (!(hours > 0)) fail(`--hours: a positive number, not ${values.hours}`);
  } else if (values.sub || values.roles || values.out) {
    fail('--sub, --roles and --out go with --token');
  }
  // With --out - the token is the only thing on stdout.
  const say = values.out === '-' ? (line: string) => console.error(line) : (line: string) => console.log(line);

  const dnsNames = list(values.dns);
  // Kept certificates would lack the new names: with --dns the service certificates are issued anew (by the kept CA).
  if (dnsNames.length) for (const name of SERVICE_NAMES) rmSync(join(dir, `${name}.pem`), { force: true });
  const files = await writeSystemIdentity(dir, { reuse: !values.new, dnsNames });
  if (values['readable-keys']) for (const name of SERVICE_NAMES) chmodSync(files.certFiles(name).key, 0o644);
  const what = files.created ? 'made' : dnsNames.length ? 'CA and signing key kept, service certificates issued anew' : 'kept (still valid)';
  say(`${what}: ${shownPath(dir)}/`);
  say(`  ca.pem                      the CA every service trusts (TLS_CA_FILE; --cacert / -cacert for buf curl and grpcurl)`);
  say(`  <service>.pem, <service>-key.pem   TLS_CERT_FILE, TLS_KEY_FILE of ${SERVICE_NAMES.join(', ')} (SPIFFE ID spiffe://client-escalation-calls/service/<service>)`);
  say(`  jwks.json                   the token signing key's public half (AUTH_JWKS_FILE, with AUTH_ISSUER=${files.issuer})`);
  say(`  ca-key.pem, token-signing-key.jwk.json   the private keys that make certificates and tokens: keep them out of every image`);

  if (values.token && values.sub) {
    const subject = values.sub;
    if (values.out === '-') {
      const token = await files.token({ subject, roles, expiresInSeconds: Math.round(hours * 3600) });
      process.stdout.write(`${token}\n`);
      say(`token of ${subject} (${roles.join(', ')}), valid for ${hours} h`);
      return;
    }
    const out = values.out ? resolve(here, values.out) : join(dir, `${subject.replace(/[^A-Za-z0-9._-]/g, '_')}.token`);
    const { expires } = await writeTokenFile(files, { subject, roles, hours }, out);
    say(`token of ${subject} (${roles.join(', ')}) in ${shownPath(out)}, valid until ${expires.toISOString()}; use it with`);
    say(`  -H "Authorization: Bearer $(cat ${shownPath(out)})"`);
  }
}

main().catch((error: Error) => {
  console.error(`identity:dev: ${error.message}`);
  process.exit(1);
});
