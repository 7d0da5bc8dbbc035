// A process that runs the contract's workflows on the embedded engine until it is killed (the restart
// cases of test/broker/workflow-contract.ts SIGKILL it mid-workflow). Arguments: the engine's SQLite
// file, the backbone's SQLite file, the test System's URL. Prints `ready` once it runs.
import { createTracer } from '../../runtime/observe/trace.ts';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import { openEmbeddedEngine } from '../../runtime/workflow/embedded/embedded-engine.ts';
import { PROGRAMS } from './workflow-contract-programs.ts';
import { contractActivities } from './workflow-contract-activities.ts';

const [enginePath, backbonePath, systemUrl] = process.argv.slice(2);
if (!enginePath || !backbonePath || !systemUrl) throw new Error('usage: workflow-worker-process.ts <engine.db> <backbone.db> <system url>');
const backbone = await openSqliteBackbone({ path: backbonePath });
openEmbeddedEngine({ path: enginePath, programs: PROGRAMS, activities: contractActivities(systemUrl, backbone, createTracer()) });
process.stdout.write('ready\n');

// A test run that dies leaves no worker behind: it ends when the process that started it is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500);
