// Vault failures, each naming the file.
import { HomelabError } from '@homelab/model';

/** Not a vault, an unknown version or cipher, or a truncated/corrupt envelope. */
export class VaultFormatError extends HomelabError {
  constructor(file: string, what: string, hint = 'restore the file from git, or re-encrypt it with `homelab vault encrypt`') {
    super(`${file}: ${what}`, { hint });
  }
}

/** The HMAC did not match: the password is wrong, or the ciphertext was changed. */
export class VaultDecryptError extends HomelabError {
  constructor(file: string, tried: string[]) {
    super(
      `${file}: cannot decrypt: the HMAC does not match with ${tried.length === 1 ? `the password from ${tried[0]}` : `any of ${tried.length} passwords (${tried.join(', ')})`}. The password is wrong, or the file was modified`,
      {
        hint: 'check ANSIBLE_VAULT_PASSWORD / --vault-password-file / --vault-id; if the password is right, restore the file from git',
      },
    );
  }
}

export class VaultPasswordError extends HomelabError {
  constructor(message: string, hint: string) {
    super(message, { hint });
  }
}
