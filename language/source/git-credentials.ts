// Credentials for fetching an Estate's repository, and the scrubbing that keeps them out of every
// message. They reach git only through the environment of one git process (GIT_CONFIG_* for an
// http.extraHeader, GIT_SSH_COMMAND with files in a private temp folder): never argv, never the
// remote URL, never the cache's config file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What an Estate's `secretRef` Secret holds (keys: username, password, bearerToken, identity, known_hosts). */
export interface GitCredentials {
  username?: string;
  password?: string;
  /** Sent as `Authorization: Bearer <token>` (takes precedence over username/password). */
  bearerToken?: string;
  /** SSH private key (PEM/OpenSSH), for ssh:// and scp-style URLs. */
  identity?: string;
  /** known_hosts lines for SSH; without them SSH URLs are refused (no trust on first use). */
  knownHosts?: string;
}

/**
 * Credentials from a Secret's `data` (base64 values, as the API returns them) or `stringData`
 * (plain values, pass `'plain'`). Unknown keys are ignored.
 */
export function credentialsFromSecretData(
  data: Readonly<Record<string, string>> | undefined,
  encoding: 'base64' | 'plain' = 'base64',
): GitCredentials {
  const read = (key: string): string | undefined => {
    const raw = data?.[key];
    if (raw === undefined) return undefined;
    const value = encoding === 'base64' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    return value === '' ? undefined : value;
  };
  const out: GitCredentials = {};
  const username = read('username');
  const password = read('password');
  const bearerToken = read('bearerToken');
  const identity = read('identity');
  const knownHosts = read('known_hosts');
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (bearerToken !== undefined) out.bearerToken = bearerToken;
  if (identity !== undefined) out.identity = identity;
  if (knownHosts !== undefined) out.knownHosts = knownHosts;
  return out;
}

/** The `Authorization` header value for HTTP(S), or undefined without HTTP credentials. */
export function authorizationHeader(credentials: GitCredentials | undefined): string | undefined {
  if (!credentials) return undefined;
  if (credentials.bearerToken) return `Bearer ${credentials.bearerToken}`;
  if (credentials.password !== undefined || credentials.username !== undefined) {
    return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
  }
  return undefined;
}

/** Every string that must never be shown: passwords, tokens, the encoded header, key material lines. */
export function secretValues(credentials: GitCredentials | undefined): string[] {
  if (!credentials) return [];
  const values = new Set<string>();
  const header = authorizationHeader(credentials);
  if (header) values.add(header.slice(header.indexOf(' ') + 1));
  if (credentials.password) values.add(credentials.password);
  if (credentials.bearerToken) values.add(credentials.bearerToken);
  if (credentials.password) {
    values.add(encodeURIComponent(credentials.password));
    // A password split across base64 boundaries still shows in a Basic header: the header itself is listed above.
  }
  if (credentials.identity) {
    for (const line of credentials.identity.split(/\r?\n/))
      if (line.trim().length >= 8 && !line.startsWith('-----')) values.add(line.trim());
  }
  return [...values].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
}

/** True when a URL carries a password or token in its userinfo (`https://user:pw@host/...`). */
export function urlHasCredentials(url: string): boolean {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url.trim());
  if (!match) return false;
  // `ssh://git@host` names a user and is fine; over HTTP any userinfo is a credential (tokens go in the user part).
  return match[2]!.includes(':') || /^https?$/i.test(match[1]!);
}

/** Environment for one git process, plus a cleanup for any files it needed (SSH key, known_hosts). */
export interface GitProcessAuth {
  env: Record<string, string>;
  /** Keys of `env` that simple-git's environment guard must be told to allow. */
  allow: string[];
  cleanup: () => Promise<void>;
}

/**
 * The git environment for credentials: an `http.extraHeader` through GIT_CONFIG_COUNT/KEY/VALUE
 * (git reads it per process and never stores it), or an SSH command using a key and known_hosts
 * written to a 0700 temp folder that `cleanup` removes.
 */
export async function gitAuthEnvironment(url: string, credentials: GitCredentials | undefined): Promise<GitProcessAuth> {
  const env: Record<string, string> = {};
  const cleanups: (() => Promise<void>)[] = [];
  const isHttp = /^https?:\/\//i.test(url);
  const header = isHttp ? authorizationHeader(credentials) : undefined;
  if (header) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: ${header}`;
  }
  const isSsh = /^ssh:\/\//i.test(url) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(url);
  if (isSsh && (credentials?.identity || credentials?.knownHosts)) {
    const dir = await mkdtemp(join(tmpdir(), 'interlace-ssh-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const parts = ['ssh', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-F', '/dev/null'];
    if (credentials.identity) {
      const keyFile = join(dir, 'identity');
      await writeFile(keyFile, credentials.identity.endsWith('\n') ? credentials.identity : `${credentials.identity}\n`, { mode: 0o600 });
      parts.push('-i', shellQuote(keyFile));
    }
    if (credentials.knownHosts) {
      const hostsFile = join(dir, 'known_hosts');
      await writeFile(hostsFile, credentials.knownHosts, { mode: 0o600 });
      parts.push('-o', `UserKnownHostsFile=${shellQuote(hostsFile)}`, '-o', 'StrictHostKeyChecking=yes');
    }
    env.GIT_SSH_COMMAND = parts.join(' ');
  }
  return {
    env,
    allow: Object.keys(env),
    cleanup: async () => {
      for (const c of cleanups) await c();
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
