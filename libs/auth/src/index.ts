export { AccessPolicy, type Principal } from './access-policy';
export { authEnvSpecs, authSettingsOf, isLoopback, type AuthSettings, type TlsFiles } from './auth-settings';
export { CallAuthenticator, type CallAuthenticatorOptions, type DeniedCall } from './call-authenticator';
export { DEFAULT_TRUST_DOMAIN, serviceOfCertificate, serviceSpiffeId } from './service-identity';
export { TokenVerifier, type TokenSettings, type TokenSubject } from './token-verifier';
