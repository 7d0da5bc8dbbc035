// The worker's NATS credentials against a real nats-server that requires them: user/password and
// token work, none or a wrong one is refused at connect (the worker exits 2, its pod is not Ready),
// and an unreadable creds file is an error at start rather than a reconnect loop.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsAuthFromFlags } from '../../cli/nats-options.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { NatsAuthError, natsConnectionOptions } from '../../runtime/backbone/nats-auth.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';

const prerequisite = await natsServerOrSkipReason();
const skip = 'skip' in prerequisite ? prerequisite.skip : undefined;

describe.skipIf(skip !== undefined)('NATS credentials (real nats-server)', () => {
  let withPassword: NatsServer;
  let withToken: NatsServer;
  beforeAll(async () => {
    const binary = (prerequisite as { binary: string }).binary;
    withPassword = await startNatsServer(binary, ['--user', 'worker', '--pass', 's3cret-pass']);
    withToken = await startNatsServer(binary, ['--auth', 'tok-0123456789']);
  }, 60_000);
  afterAll(async () => {
    await withPassword?.stop();
    await withToken?.stop();
  });

  it('user/password from the environment (as the plan sets it) publishes and reads back', async () => {
    const auth = natsAuthFromFlags({}, { INTERLACE_NATS_USER: 'worker', INTERLACE_NATS_PASSWORD: 's3cret-pass' }, '/');
    const backbone = await openJetStreamBackbone({ servers: withPassword.url, auth });
    try {
      await backbone.ensureTopic('auth.check');
      const published = await backbone.publish('auth.check', Buffer.from('{}'), { messageId: 'one' });
      expect(published.sequence).toBe(1);
    } finally {
      await backbone.close();
    }
  });

  it('no credentials, or a wrong password, is refused at connect', async () => {
    await expect(openJetStreamBackbone({ servers: withPassword.url })).rejects.toThrow(/auth/i);
    await expect(openJetStreamBackbone({ servers: withPassword.url, auth: { user: 'worker', password: 'wrong' } })).rejects.toThrow(
      /auth/i,
    );
  });

  it('a token from a file (--nats-token-file) connects; another token does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interlace-nats-auth-'));
    writeFileSync(join(dir, 'token'), 'tok-0123456789\n');
    const auth = natsAuthFromFlags({ 'nats-token-file': 'token' }, {}, dir);
    const backbone = await openJetStreamBackbone({ servers: withToken.url, auth });
    await backbone.close();
    await expect(openJetStreamBackbone({ servers: withToken.url, auth: { token: 'tok-other' } })).rejects.toThrow(/auth/i);
  });

  it('two methods at once, or an unreadable creds file, are errors before any connection', () => {
    expect(() => natsConnectionOptions({ user: 'a', token: 'b' })).toThrow(NatsAuthError);
    expect(() => natsConnectionOptions({ credsFile: '/nonexistent/user.creds' })).toThrow(/creds file .* cannot be read: ENOENT/);
    expect(() => natsConnectionOptions({ caFile: '/nonexistent/ca.crt' })).toThrow(/CA file/);
  });
});
