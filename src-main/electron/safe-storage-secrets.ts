/**
 * The desktop app's secret store: the same files as the serve host's
 * (<home>/secrets/<server>.json, 0600 in a 0700 folder), their content
 * encrypted with Electron's safeStorage (the OS keychain, libsecret or DPAPI)
 * before it is written. Only this process can open them; the CLI says so.
 */
import { app, safeStorage } from 'electron';
import { EngineError } from '../../shared/errors';
import { FileSecretStore, secretsFolder, type SecretSealer, type SecretStore } from '../engine/config/secret-store';

const safeStorageSealer: SecretSealer = {
  sealing: 'electron-safe-storage',
  seal(plain) {
    requireEncryption();
    return safeStorage.encryptString(plain).toString('base64');
  },
  open(sealed) {
    requireEncryption();
    return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
  },
};

export function createSafeStorageSecretStore(home: string): SecretStore {
  return new FileSecretStore(secretsFolder(home), safeStorageSealer);
}

function requireEncryption(): void {
  // safeStorage answers only once the app is ready; before, a secret is neither written nor read.
  if (!app.isReady()) {
    throw new EngineError('io-failed', 'server secrets cannot be opened before the app has started', 'try again in a moment');
  }
  if (!safeStorage.isEncryptionAvailable()) {
    throw new EngineError('io-failed', 'this system offers no encryption for stored secrets (no keychain or secret service)',
      'start a secret service (GNOME Keyring, KWallet), or use `barkeep serve`, which keeps secrets in an owner-only file');
  }
}
