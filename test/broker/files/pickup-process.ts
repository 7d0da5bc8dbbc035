// The file pickup as its own process, for the kill -9 test: startSources (the worker's wiring) with one
// CSV pickup on a real nats-server, its progress in the ADAPTERS Key-Value bucket.
// argv: nats URL, pickup directory, state directory, and for a pickup over SFTP the server's
// `sftp://user@host:port` and its host key line (the login key in PARTNER_SFTP_PRIVATE_KEY). Prints `started`.
import { startSources } from '../../../runtime/adapters/sources/start-sources.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import { silentLogger } from '../../../lib/log.ts';
import { partnerSystem, routeFor } from './files-support.ts';

const [url, directory, stateDir, sftpUrl, hostKey] = process.argv.slice(2) as [string, string, string, string?, string?];
const sftp = sftpUrl && hostKey ? { url: sftpUrl, sftp: { secretRef: { name: 'partner-sftp' }, hostKey } } : {};
const backbone = await openJetStreamBackbone({ servers: url, name: 'pickup-process' });
await startSources({
  system: partnerSystem([{ name: 'rows', directory, ...sftp, format: 'csv', event: 'Row.Received', interval: '100ms', settle: '50ms' }]),
  routes: [routeFor('rows', 'Row.Received')],
  backbone,
  stateDir,
  deps: { env: { PARTNER_SFTP_PRIVATE_KEY: process.env.PARTNER_SFTP_PRIVATE_KEY } },
  logger: silentLogger,
});
process.stdout.write('started\n');
