// AES256 as ansible-vault does it: PBKDF2-SHA256 (10,000 rounds) -> AES key, HMAC key, counter;
// PKCS#7 padding, AES-256-CTR, HMAC-SHA256 over the ciphertext, checked in constant time.
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { VaultFormatError } from './errors.ts';

function deriveKeys(password: Buffer, salt: Buffer): { key: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(password, salt, 10_000, 80, 'sha256');
  return { key: derived.subarray(0, 32), hmacKey: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

function pad(data: Buffer): Buffer {
  const n = 16 - (data.length % 16);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function unpad(data: Buffer): Buffer | undefined {
  const n = data.at(-1);
  if (!n || n > 16 || n > data.length) return undefined;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return undefined;
  return data.subarray(0, data.length - n);
}

// Returns the vault payload: hex( hex(salt) \n hex(hmac) \n hex(ciphertext) ).
export function encryptPayload(plaintext: Buffer, password: Buffer, salt: Buffer = randomBytes(32)): string {
  const { key, hmacKey, iv } = deriveKeys(password, salt);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const ciphertext = Buffer.concat([cipher.update(pad(plaintext)), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest('hex');
  return Buffer.from(`${salt.toString('hex')}\n${hmac}\n${ciphertext.toString('hex')}`, 'latin1').toString('hex');
}

export interface SplitPayload {
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

export function splitPayload(payload: string, file: string): SplitPayload {
  const inner = Buffer.from(payload, 'hex').toString('latin1');
  const [salt, hmac, ciphertext, extra] = inner.split('\n');
  const hex = /^[0-9a-fA-F]*$/;
  if (
    salt === undefined ||
    hmac === undefined ||
    ciphertext === undefined ||
    extra !== undefined ||
    !hex.test(salt) ||
    !hex.test(hmac) ||
    !hex.test(ciphertext)
  ) {
    throw new VaultFormatError(file, 'is corrupt or truncated: the vault data does not hold salt, HMAC and ciphertext');
  }
  if (hmac.length !== 64 || ciphertext.length === 0 || ciphertext.length % 32 !== 0 || salt.length === 0) {
    throw new VaultFormatError(file, 'is truncated: the ciphertext or HMAC is incomplete');
  }
  return { salt: Buffer.from(salt, 'hex'), hmac: Buffer.from(hmac, 'hex'), ciphertext: Buffer.from(ciphertext, 'hex') };
}

// The plaintext, or undefined when the HMAC does not match this password.
export function decryptPayload(parts: SplitPayload, password: Buffer, file: string): Buffer | undefined {
  const { key, hmacKey, iv } = deriveKeys(password, parts.salt);
  const expected = createHmac('sha256', hmacKey).update(parts.ciphertext).digest();
  if (!timingSafeEqual(expected, parts.hmac)) return undefined;
  const decipher = createDecipheriv('aes-256-ctr', key, iv);
  const padded = Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  const plain = unpad(padded);
  if (!plain) throw new VaultFormatError(file, 'is corrupt: the padding after decryption is invalid');
  return plain;
}
