// The file pickup as its own process, for the kill -9 test: startSources (the worker's wiring) with one
// local CSV pickup on a real nats-server, its progress in the ADAPTERS Key-Value bucket.
// argv: nats URL, pickup directory. Prints `started`.
import { startSources } from '../../../runtime/adapters/sources/start-sources.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import { silentLogger } from '../../../lib/log.ts';
import { partnerSystem, routeFor } from './files-support.ts';

const [url, directory] = process.argv.slice(2) as [string, string];
const backbone = await openJetStreamBackbone({ servers: url, name: 'pickup-process' });
await startSources({
  system: partnerSystem([{ name: 'rows', directory, format: 'csv', event: 'Row.Received', interval: '100ms', settle: '50ms' }]),
  routes: [routeFor('rows', 'Row.Received')],
  backbone,
  stateDir: directory,
  deps: { env: {} },
  logger: silentLogger,
});
process.stdout.write('started\n');
