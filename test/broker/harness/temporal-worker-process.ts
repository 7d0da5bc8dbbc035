// A process that runs the workflow contract's programs on a Temporal worker until it is killed (the restart
// cases of test/broker/workflow-contract.ts SIGKILL it mid-workflow). Arguments: the frontend address, the
// namespace, the task queue, the workflow bundle file, the backbone's SQLite file, the test System's URL,
// and the Estate scope if any (runtime/workflow/temporal/scope.ts). Prints `ready` once the worker polls.
import { createTracer } from '../../../runtime/observe/trace.ts';
import { openSqliteBackbone } from '../../../runtime/backbone/sqlite-backbone.ts';
import { startTemporalWorker } from '../../../runtime/workflow/temporal/temporal-engine.ts';
import { contractActivities } from '../workflow-contract-activities.ts';

const [address, namespace, taskQueue, bundlePath, backbonePath, systemUrl, scope] = process.argv.slice(2);
if (!address || !namespace || !taskQueue || !bundlePath || !backbonePath || !systemUrl)
  throw new Error('usage: temporal-worker-process.ts <address> <namespace> <task queue> <bundle.js> <backbone.db> <system url> [<scope>]');
const backbone = await openSqliteBackbone({ path: backbonePath });
await startTemporalWorker({
  address,
  namespace,
  taskQueue,
  ...(scope ? { scope } : {}),
  bundle: { codePath: bundlePath },
  activities: contractActivities(systemUrl, backbone, createTracer()),
  stickyQueueScheduleToStartTimeoutMs: 1_000,
});
process.stdout.write('ready\n');

// A test run that dies leaves no worker behind: it ends when the process that started it is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500);
