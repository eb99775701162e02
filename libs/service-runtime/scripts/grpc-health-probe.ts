/**
 * `node healthcheck.js [host:port] [service]`: exits 0 when grpc.health.v1.Health/Check
 * answers SERVING, 1 otherwise. For container HEALTHCHECKs (images have no grpcurl).
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { healthV1 } from '@cec/proto';

const [address = '127.0.0.1:50051', service = ''] = process.argv.slice(2);
const client = new healthV1.HealthClient(address, credentials.createInsecure());
client.check({ service }, new Metadata(), { deadline: Date.now() + 3_000 }, (error, response) => {
  const serving = !error && response.status === healthV1.HealthCheckResponse_ServingStatus.SERVING;
  if (!serving) console.error(error ? `health check failed: ${error.message}` : `not serving: ${response.status}`);
  client.close();
  process.exit(serving ? 0 : 1);
});
