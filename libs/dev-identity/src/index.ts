export {
  caKeyPem,
  certificateExpiry,
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type CertificateRequest,
  type IssuedCertificate,
} from './certificates';
export { DEV_AUDIENCE, DEV_ISSUER, writeIdentity, type IdentityFiles, type IdentityOptions } from './identity-files';
export { createSigningKey, loadSigningKey, mintToken, type SigningKey, type TokenClaims } from './tokens';
