import type { Environment } from '../../http/secrets.ts';
import { secretVariable } from '../../http/secrets.ts';
import { directorySink } from './file-sink.ts';
import type { FileSink } from './file-sink.ts';
import type { FileStore } from './file-store.ts';
import { LocalFileStore } from './local-file-store.ts';
import { SftpFileStore } from './sftp-file-store.ts';

/**
 * A directory as specs name it, on a System endpoint (`protocol: file`, or an EDI partner's SFTP
 * server) or a file source: `directory` alone is local; with `url: sftp://user@host:port` it is that
 * path on the SFTP server, logged in with the keys of `sftp.secretRef` and checked against the pinned
 * `sftp.hostKey`.
 */
export interface FileLocation {
  directory: string;
  url?: string | undefined;
  sftp?: { secretRef: { name: string; key?: string | undefined }; hostKey: string } | undefined;
}

/**
 * The store behind a location. SFTP credentials are Secret keys read from the environment
 * (runtime/http/secrets.ts): `private-key` (OpenSSH or PEM; with `passphrase` when encrypted) or
 * `password`. `secretRef.key` is unused: an SSH login takes several keys of one Secret.
 */
export function fileStoreFor(location: FileLocation, env: Environment, what: string): FileStore {
  if (location.url === undefined) return new LocalFileStore();
  let url: URL;
  try {
    url = new URL(location.url);
  } catch {
    throw new Error(`${what}: ${location.url} is not a URL`);
  }
  if (url.protocol !== 'sftp:') throw new Error(`${what}: ${url.protocol}// is not a file transport (sftp:// is)`);
  if (!location.sftp) throw new Error(`${what}: an sftp:// location needs sftp.secretRef and sftp.hostKey`);
  const secret = (key: string): string | undefined => {
    const value = env[secretVariable(location.sftp?.secretRef.name ?? '', key)];
    return value === undefined || value === '' ? undefined : value;
  };
  const privateKey = secret('private-key');
  const password = secret('password');
  const passphrase = secret('passphrase');
  if (privateKey === undefined && password === undefined)
    throw new Error(
      `${what}: the SFTP login has no credential (environment variable ${secretVariable(location.sftp.secretRef.name, 'private-key')} or ${secretVariable(location.sftp.secretRef.name, 'password')})`,
    );
  return new SftpFileStore({
    host: url.hostname,
    port: url.port ? Number(url.port) : 22,
    username: decodeURIComponent(url.username) || 'interlace',
    hostKey: location.sftp.hostKey,
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(password !== undefined ? { password } : {}),
  });
}

/** The FileSink writing into a location (file drop targets, X12 out). */
export function fileSinkFor(location: FileLocation, env: Environment, what: string): FileSink {
  return directorySink(fileStoreFor(location, env, what), location.directory);
}
