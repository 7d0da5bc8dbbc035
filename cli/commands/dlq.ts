import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  acknowledgeDeadLetters,
  listDeadLetters,
  parseDeadLetterId,
  purgeDeadLetters,
  replayDeadLetter,
  selectForPurge,
  showDeadLetter,
} from '../../runtime/run/dead-letters.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { StoredDeadLetter } from '../../runtime/run/dead-letters.ts';
import { openRunBackbone } from '../../runtime/run/open-backbone.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { NATS_AUTH_HELP, NATS_AUTH_OPTIONS, natsAuthFromFlags } from '../nats-options.ts';

export const DLQ_HELP = `Usage: interlace dlq list|show <id>|replay <id>|replay --all|purge [options]

Dead letters of the estate's route targets, read from the backbone (the embedded store of
\`interlace run\` in .interlace/run by default, or --nats <url>). A dead letter's id is
<route>/<target>#<sequence>.
  list                 every dead letter: id, reason, attempts, business keys, replayed or not
  show <id>            one dead letter with its attempt history and the original message
  replay <id>          deliver the original message again to that target only; idempotent: a message
                       already delivered is suppressed, replaying twice causes one effect
  replay --all         replay every dead letter not yet replayed (per target, in order)
  purge                delete dead letters for good (NATS only); prints what it would delete and
                       deletes nothing unless --yes. Narrow it with --route, --older-than and --replayed
  --older-than <d>     purge: only dead letters dead-lettered more than <d> ago (e.g. 168h for a week)
  --replayed           purge: only dead letters already replayed
  --yes                purge: really delete
  --route <name>       only this route's dead letters
  --nats <url>         read NATS JetStream instead of the embedded store (a deployed estate: its
                       workers consume replay.<route>.<target> and deliver the replays)
${NATS_AUTH_HELP}
  --run-dir <dir>      where the embedded store is (default .interlace/run)
  --json               machine-readable output
The replay is published on replay.<route>.<target>; a running \`interlace run\` (or worker) delivers it.
Exit codes: 0 done (list: no dead letters waiting), 1 dead letters are waiting (list) or an id is unknown, 2 the tool failed.`;

function line(l: StoredDeadLetter): string {
  const keys = Object.entries(l.letter.businessKeys ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${l.id.padEnd(58)} ${l.replayed ? 'replayed' : 'waiting '} ${l.letter.kind.padEnd(9)} ${String(l.letter.attempts.length).padStart(2)} attempt(s)  ${l.letter.reason.slice(0, 90)}${keys ? `  [${keys}]` : ''}`;
}

export async function runDlq(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      route: { type: 'string' },
      nats: { type: 'string' },
      ...NATS_AUTH_OPTIONS,
      'run-dir': { type: 'string' },
      all: { type: 'boolean' },
      'older-than': { type: 'string' },
      replayed: { type: 'boolean' },
      yes: { type: 'boolean' },
      json: { type: 'boolean' },
      specs: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, id] = positionals;
  if (values.help || !action) {
    context.stdout(DLQ_HELP + '\n');
    return values.help ? EXIT_CLEAN : EXIT_FINDINGS;
  }
  if (!['list', 'show', 'replay', 'purge'].includes(action))
    throw new UsageError(`unknown dlq action "${action}"; actions: list, show, replay, purge`);
  if (action !== 'purge' && (values['older-than'] !== undefined || values.replayed || values.yes))
    throw new UsageError('--older-than, --replayed and --yes are options of dlq purge');
  const olderThan = values['older-than'] === undefined ? undefined : parseDuration(values['older-than']);
  if (olderThan && !olderThan.ok) throw new UsageError(`--older-than ${values['older-than']}: ${olderThan.reason}`);
  if (action === 'purge' && id) throw new UsageError('dlq purge takes no id; narrow it with --route, --older-than and --replayed');
  if (action === 'purge' && !values.nats)
    throw new UsageError(
      'dlq purge needs --nats <url>: the embedded store of `interlace run` cannot delete single messages; its retention drops them (14 days by default)',
    );
  if (action === 'show' && !id) throw new UsageError('dlq show needs an id (<route>/<target>#<sequence>; see dlq list)');
  if (action === 'replay' && !id && !values.all) throw new UsageError('dlq replay needs an id, or --all');
  if (id && !parseDeadLetterId(id)) throw new UsageError(`"${id}" is not a dead-letter id; ids look like order-validation/legacy-erp#3`);
  const runDir = resolve(context.cwd, values['run-dir'] ?? '.interlace/run');
  if (!values.nats && !existsSync(join(runDir, 'backbone.db'))) {
    throw new UsageError(`no embedded backbone at ${join(runDir, 'backbone.db')}: start \`interlace run\` first, or pass --nats <url>`);
  }
  const estate = loadWorkerEstate(values.specs ?? ['specs'], context.cwd);
  const natsAuth = natsAuthFromFlags(values, process.env, context.cwd);
  const { backbone } = await openRunBackbone({ runDir, ...(values.nats ? { nats: values.nats, natsAuth } : {}) });
  try {
    if (action === 'list') {
      const letters = await listDeadLetters(backbone, estate, values.route);
      if (values.json)
        context.stdout(
          `${JSON.stringify(
            letters.map((l) => ({
              id: l.id,
              replayed: l.replayed,
              kind: l.letter.kind,
              reason: l.letter.reason,
              attempts: l.letter.attempts.length,
              businessKeys: l.letter.businessKeys,
              deadLetteredAt: l.letter.deadLetteredAt,
            })),
            null,
            2,
          )}\n`,
        );
      else if (letters.length === 0) context.stdout('no dead letters\n');
      else
        context.stdout(
          `${letters.map(line).join('\n')}\n${letters.filter((l) => !l.replayed).length} waiting, ${letters.filter((l) => l.replayed).length} replayed\n`,
        );
      return letters.some((l) => !l.replayed) ? EXIT_FINDINGS : EXIT_CLEAN;
    }
    if (action === 'show') {
      const letter = await showDeadLetter(backbone, estate, id!);
      if (!letter) {
        context.stderr(`interlace dlq: no dead letter ${id}\n`);
        return EXIT_FINDINGS;
      }
      if (values.json) {
        context.stdout(`${JSON.stringify({ id: letter.id, replayed: letter.replayed, ...letter.letter }, null, 2)}\n`);
      } else {
        const l = letter.letter;
        context.stdout(
          `${letter.id}  (${letter.replayed ? 'replayed' : 'waiting'})\n  route ${l.route} → target ${l.target}${l.system ? ` (System ${l.system})` : ''}\n  ${l.kind}: ${l.reason}\n  dead-lettered at ${l.deadLetteredAt}; message #${l.message.sequence} of ${l.message.topic}, key ${l.orderingKey ?? l.message.key ?? '-'}, id ${l.message.messageId ?? '-'}\n  business keys: ${
            Object.entries(l.businessKeys)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '-'
          }\n  attempts:\n${l.attempts.map((a, i) => `    ${i + 1}. ${a.at}  ${a.reason}${a.status ? ` (HTTP ${a.status})` : ''}  ${a.error.slice(0, 160)}`).join('\n') || '    (none: failed before the first attempt)'}\n  payload:\n${JSON.stringify(
            l.message.payload ?? l.message.payloadBase64,
            null,
            2,
          )
            .split('\n')
            .map((x) => `    ${x}`)
            .join('\n')}\n`,
        );
      }
      return EXIT_CLEAN;
    }
    if (action === 'purge') {
      const chosen = selectForPurge(await listDeadLetters(backbone, estate, values.route), {
        ...(olderThan?.ok ? { olderThanMs: olderThan.ms } : {}),
        ...(values.replayed ? { replayedOnly: true } : {}),
        now: Date.now(),
      });
      const purged = values.yes ? await purgeDeadLetters(backbone, chosen) : 0;
      if (values.json) context.stdout(`${JSON.stringify({ dryRun: !values.yes, selected: chosen.map((l) => l.id), purged })}\n`);
      else {
        for (const l of chosen) context.stdout(`${values.yes ? 'purged      ' : 'would purge '} ${line(l)}\n`);
        context.stdout(
          values.yes
            ? `${purged} dead letter(s) purged\n`
            : `${chosen.length} dead letter(s) would be purged; nothing was deleted (pass --yes to delete them)\n`,
        );
      }
      return EXIT_CLEAN;
    }
    // replay
    const targets = values.all
      ? (await listDeadLetters(backbone, estate, values.route)).filter((l) => !l.replayed)
      : [await showDeadLetter(backbone, estate, id!)];
    if (targets.some((t) => t === undefined)) {
      context.stderr(`interlace dlq: no dead letter ${id}\n`);
      return EXIT_FINDINGS;
    }
    const byTopic = new Map<string, Set<number>>();
    let stored = 0;
    for (const letter of targets as StoredDeadLetter[]) {
      const result = await replayDeadLetter(backbone, letter);
      if (result.stored) stored++;
      const set = byTopic.get(letter.topic) ?? new Set<number>();
      set.add(letter.sequence);
      byTopic.set(letter.topic, set);
      if (!values.json) context.stdout(`${result.stored ? 'replayed' : 'already replayed (not stored again)'}  ${letter.id}\n`);
    }
    for (const [topic, sequences] of byTopic) await acknowledgeDeadLetters(backbone, topic, sequences);
    if (values.json) context.stdout(`${JSON.stringify({ replayed: targets.length, stored })}\n`);
    else context.stdout(`${targets.length} dead letter(s) replayed on replay.<route>.<target>; the running units deliver them once.\n`);
    return EXIT_CLEAN;
  } finally {
    await backbone.close();
  }
}
