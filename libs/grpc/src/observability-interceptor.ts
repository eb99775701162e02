import { randomUUID } from 'node:crypto';
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger, ServiceMetrics } from '@cec/observability';
import { REQUEST_ID } from './metadata-keys';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PREFIXES = ['/grpc.health.v1.Health/', '/grpc.reflection.'];
const ERROR_CODES = new Set([status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]);
const WARN_CODES = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.UNIMPLEMENTED]);

/**
 * One JSON log line and one metrics sample per RPC: method, status code, duration, request id.
 * Never the request or response body (they carry contact data). Gives every call an
 * x-request-id (the caller's, when it sent a sane one) and returns it in the response.
 * Health checks and reflection log at debug level: probes would drown everything else.
 */
export function observabilityInterceptor(logger: Logger, metrics?: ServiceMetrics): ServerInterceptor {
  return (method, call) => {
    const started = process.hrtime.bigint();
    let requestId = '';
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const given = metadata.get(REQUEST_ID)[0];
            requestId = given !== undefined && VALID_REQUEST_ID.test(String(given)) ? String(given) : randomUUID();
            metadata.set(REQUEST_ID, requestId);
            nextMetadata(metadata);
          },
        }),
      sendMetadata: (metadata, next) => {
        metadata.set(REQUEST_ID, requestId);
        next(metadata);
      },
      sendStatus: (result, next) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const code = status[result.code] ?? String(result.code);
        metrics?.grpcRequests.inc({ method: method.path, code });
        metrics?.grpcDuration.observe({ method: method.path, code }, seconds);
        const line = { method: method.path, code, duration_ms: Math.round(seconds * 1e6) / 1e3, request_id: requestId, peer: call.getPeer() };
        if (ERROR_CODES.has(result.code)) logger.error(line, 'rpc');
        else if (WARN_CODES.has(result.code)) logger.warn(line, 'rpc');
        else if (QUIET_PREFIXES.some((p) => method.path.startsWith(p))) logger.debug(line, 'rpc');
        else logger.info(line, 'rpc');
        const metadata = result.metadata ?? new Metadata();
        if (requestId) metadata.set(REQUEST_ID, requestId);
        next({ ...result, metadata });
      },
    });
  };
}
