// The one logger (lib/log.ts), as the controller and the runtime use it: one JSON object per line with
// time, level and msg; the controller's estate/revision/reason and the runtime's route and business
// keys as fields; credential-named fields redacted at any depth and a line-level scrub on top.
import { describe, expect, it } from 'vitest';
import { createLogger, memoryLogger } from '../../lib/log.ts';

describe('createLogger', () => {
  it('controller use: one line per event with estate, revision, reason; child fields; level filter; line redaction', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      write: (l) => lines.push(l),
      now: () => new Date('2025-01-02T03:04:05.000Z'),
      redact: (l) => l.replaceAll('hunter2', '***'),
    });
    const estateLog = log.child({ estate: 'shop/main' });
    estateLog.debug('not written');
    estateLog.info('applied', { revision: `main@sha1:${'a'.repeat(40)}`, reason: 'ReconciliationSucceeded', objects: 3 });
    estateLog.error('fetch failed', { reason: 'AuthenticationFailed', error: new Error('password hunter2 rejected\nsecond line') });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2025-01-02T03:04:05.000Z',
      level: 'info',
      msg: 'applied',
      estate: 'shop/main',
      revision: `main@sha1:${'a'.repeat(40)}`,
      reason: 'ReconciliationSucceeded',
      objects: 3,
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      level: 'error',
      estate: 'shop/main',
      reason: 'AuthenticationFailed',
      error: 'password *** rejected\nsecond line',
    });
  });

  it('runtime use: business keys kept, credential-named fields redacted at any depth, errors as their message', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => new Date(0) }).child({ route: 'r' });
    log.debug('hidden');
    log.info('delivered', {
      order_number: '4711',
      headers: { authorization: 'Bearer x', 'x-api-key': 'k' },
      password: 'p',
      error: new Error('e'),
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'delivered',
      route: 'r',
      order_number: '4711',
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
      password: '[redacted]',
      error: 'e',
    });
  });

  it('fields cannot overwrite time, level or msg; undefined fields and bigints are written safely', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), now: () => new Date(0) }).warn('m', {
      time: 'x',
      level: 'debug',
      msg: 'y',
      gone: undefined,
      n: 10n,
    });
    expect(JSON.parse(lines[0]!)).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'm', n: '10' });
  });

  it('memoryLogger keeps parsed lines for tests and the live view', () => {
    const { logger, lines } = memoryLogger();
    logger.warn('w', { a: 1 });
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'w', a: 1 });
  });
});
