/**
 * The masking end-to-end stack: callgate with the example bundle (`masking.style: partial`) behind the Envoy
 * emulation configured from envoy/sidecar.yaml, ext_authz + ext_proc, identity from simulatedJwtAuthn.
 * Timeouts are widened for loaded CI machines; the configured ones are checked by the emulator's own tests.
 */
import path from 'node:path';
import { startApp } from './app-harness';
import { emulatorOptionsFromEnvoyConfig, simulatedJwtAuthn, startEnvoyEmulator, type EnvoyEmulator } from './envoy-emulator';

const root = path.join(__dirname, '../..');

export interface MaskingSidecar {
  readonly envoy: EnvoyEmulator;
  close(): Promise<void>;
}

export async function startMaskingSidecar(upstreamUrl: string): Promise<MaskingSidecar> {
  const callgate = await startApp({ policies: path.join(root, 'policies'), 'masking.style': 'partial' });
  const options = emulatorOptionsFromEnvoyConfig(path.join(root, 'envoy/sidecar.yaml'), { authzAddress: callgate.grpc, upstream: upstreamUrl });
  const envoy = await startEnvoyEmulator({
    ...options,
    timeoutMs: 5000,
    extProc: { address: callgate.grpc, messageTimeoutMs: 5000, statusOnError: 500 },
    metadataContext: simulatedJwtAuthn,
  });
  return {
    envoy,
    async close() {
      await envoy.close();
      await callgate.close();
    },
  };
}
