/**
 * Signed checkpoints: a line that states "the chain's record number `seq` has hash `head`", signed with
 * an Ed25519 key (node:crypto) over the statement's canonical JSON. A checkpoint ties the chain to a key
 * the writer holds: rewriting the chain after it means forging a signature. `key_id` names the key (first
 * 16 hex of the SHA-256 of its public key, SPKI DER) so a verifier can say which key signed.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';

export interface CheckpointStatement {
  /** The chain sequence number of the last record covered (0 = no record yet). */
  readonly seq: number;
  /** That record's hash (the chain head). */
  readonly head: string;
  readonly time: string;
  readonly key_id: string;
  /** The writer's audit.checkpoint.every_records (0 = none), so a verifier can tell a missing checkpoint. */
  readonly every_records: number;
}

export interface CheckpointLine {
  readonly checkpoint: CheckpointStatement;
  /** base64 Ed25519 signature over canonicalize(checkpoint). */
  readonly signature: string;
}

export interface CheckpointSigner {
  readonly keyId: string;
  sign(statement: CheckpointStatement): CheckpointLine;
}

export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function statementBytes(statement: CheckpointStatement): Buffer {
  return Buffer.from(canonicalize(statement) ?? '', 'utf8');
}

function requireEd25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: not an Ed25519 key (found ${key.asymmetricKeyType ?? 'a symmetric key'})`);
  return key;
}

/** Reads an Ed25519 private key (PEM, PKCS#8) from a file. Throws with the reason. */
export function loadSigner(file: string): CheckpointSigner {
  const key = requireEd25519(createPrivateKey(readFileSync(file)), file);
  const keyId = keyIdOf(key);
  return {
    keyId,
    sign: (statement) => ({ checkpoint: statement, signature: sign(null, statementBytes(statement), key).toString('base64') }),
  };
}

/** Reads an Ed25519 public key (PEM, SPKI) — or the public half of a private key PEM. */
export function loadPublicKey(file: string): KeyObject {
  return requireEd25519(createPublicKey(readFileSync(file)), file);
}

export function verifyCheckpoint(line: CheckpointLine, key: KeyObject): boolean {
  try {
    return verify(null, statementBytes(line.checkpoint), key, Buffer.from(line.signature, 'base64'));
  } catch {
    return false;
  }
}

export function isCheckpointLine(value: unknown): value is CheckpointLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { checkpoint?: unknown; signature?: unknown };
  const c = v.checkpoint as Partial<CheckpointStatement> | undefined;
  return (
    typeof v.signature === 'string' &&
    typeof c === 'object' &&
    c !== null &&
    typeof c.seq === 'number' &&
    typeof c.head === 'string' &&
    typeof c.time === 'string' &&
    typeof c.key_id === 'string' &&
    typeof c.every_records === 'number'
  );
}
