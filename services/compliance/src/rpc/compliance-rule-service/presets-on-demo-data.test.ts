import { seed } from '@cec/db';
import { complianceV1 } from '@cec/proto';
import { call } from '@cec/testing';
import { useComplianceService } from '../../testing/compliance-harness';

const h = useComplianceService();

describe('the demo data and the presets', () => {
  it('the demo data holds the presets\' rules: installing them on it installs nothing and changes no rule', async () => {
    await seed(h.db.url);
    for (const name of ['us-regulation-f', 'us-massachusetts']) {
      const preset = (await call(h.rules, 'listPresets', {})).presets.find((p) => p.name === name) as complianceV1.Preset;
      const installed = await call(h.rules, 'installPreset', { name });
      expect(installed.installedCount).toBe(0);
      // Same rules as the preset says, code by code.
      const strip = (r: complianceV1.ComplianceRule) => ({ code: r.code, type: r.type, channels: r.channels, scope: r.scope, parameters: r.parameters, preset: r.preset });
      expect(installed.rules.map(strip)).toEqual([...preset.rules].sort((a, b) => a.code.localeCompare(b.code)).map(strip));
      expect(installed.rules.every((r) => r.version === 1)).toBe(true);
    }
  });
});
