import { get } from 'node:http';
import { call, capturingLogger, eventually } from '@cec/testing';
import { useComplianceService } from './testing/compliance-harness';

const captured = capturingLogger();
const h = useComplianceService({ logger: captured.logger });

function metrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`http://${h.kit.metricsAddress}/metrics`, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const activeRules = async (): Promise<number> => Number(/^compliance_active_rules\{[^}]*\} (\d+)$/m.exec(await metrics())?.[1]);

describe('a compliance service with no rules', () => {
  it('warns at start-up, naming the fix, and exposes the count of active rules, 0 until rules exist', async () => {
    const warning = await eventually(() => captured.lines().find((line) => line.active_rules === 0), { what: 'the no-rules warning' });
    expect(warning).toMatchObject({ level: 'warn', msg: expect.stringContaining('InstallPreset') });
    expect(await activeRules()).toBe(0);
    const installed = await call(h.rules, 'installPreset', { name: 'us-massachusetts' });
    expect(await activeRules()).toBe(installed.rules.length);
  });
});
