/** The closed list of response-masking detectors a policy may name in `@mask("...")`. */

export const KNOWN_DETECTORS = ['pan', 'email', 'ssn', 'iban', 'phone', 'jwt', 'aws_key', 'private_key', 'api_token'] as const;

export type DetectorName = (typeof KNOWN_DETECTORS)[number];

export function isKnownDetector(name: string): name is DetectorName {
  return (KNOWN_DETECTORS as readonly string[]).includes(name);
}
