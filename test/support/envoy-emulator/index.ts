export type { BodySettings, EmulatorOptions, EmulatorRoute, EnvoyEmulator, IncomingRequestInfo } from './types';
export { startEnvoyEmulator, EXT_AUTHZ_NAMESPACE, FAILURE_MODE_ALLOWED_HEADER } from './start-envoy-emulator';
export { emulatorOptionsFromEnvoyConfig } from './options-from-envoy-config';
export { simulatedJwtAuthn, verifiedClaimsHeader, TEST_IDENTITY_HEADER } from './simulated-jwt-authn';
