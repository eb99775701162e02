import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createLogger, createServiceMetrics, startMetricsServer } from './index';

describe('logger', () => {
  it('writes JSON lines with the service name and never contact data', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('customers', 'info', sink);
    log.info({ request: { email: 'ap@acme.example', phone: '+14155550100' }, method: 'GetCustomer' }, 'rpc');
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'info', service: 'customers', msg: 'rpc', method: 'GetCustomer' });
    expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(lines[0]).not.toContain('acme.example');
    expect(lines[0]).not.toContain('4155550100');
  });
});

describe('metrics endpoint', () => {
  it('serves Prometheus text at /metrics', async () => {
    const metrics = createServiceMetrics('customers');
    metrics.grpcRequests.inc({ method: '/x.v1.S/M', code: 'OK' });
    const server = await startMetricsServer(metrics.registry, 0, '127.0.0.1');
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('grpc_server_handled_total{method="/x.v1.S/M",code="OK",service="customers"} 1');
      expect(body).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
