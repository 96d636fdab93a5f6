import { loadConfig } from '../../../src/config/load-config';
import { maskingSettingsOf } from '../../../src/extproc/masking-settings';
import { maskText } from '../../../src/masking/mask-text';

describe('masking.* config', () => {
  it('defaults: full style, 4 MiB bodies, 1 MiB events, no custom detectors', () => {
    const settings = maskingSettingsOf(loadConfig({}));
    expect(settings).toMatchObject({ style: { kind: 'full' }, maxBodyBytes: 4194304, maxEventBytes: 1048576, customDetectors: [] });
  });

  it('the token style needs a key of at least 16 characters (env var)', () => {
    expect(() => loadConfig({ env: { CALLGATE_MASKING_STYLE: 'token' } })).toThrow(/token_key/);
    const settings = maskingSettingsOf(loadConfig({ env: { CALLGATE_MASKING_STYLE: 'token', CALLGATE_MASKING_TOKEN_KEY: 'k'.repeat(32) } }));
    expect(settings.style.kind).toBe('token');
  });

  it('custom detectors: validated patterns and names, then used', () => {
    expect(() => loadConfig({ flags: { 'masking.custom_detectors': '[{"name":"x","pattern":"("}]' } })).toThrow(/regular expression/);
    expect(() => loadConfig({ flags: { 'masking.custom_detectors': '[{"name":"Bad Name","pattern":"a"}]' } })).toThrow(/detector name/);
    const settings = maskingSettingsOf(loadConfig({ flags: { 'masking.custom_detectors': '[{"name":"ticket","pattern":"TCK-\\\\d{4}"}]' } }));
    expect(maskText('see TCK-1234', settings.customDetectors, settings.style, {})).toBe('see [REDACTED:ticket]');
  });
});
