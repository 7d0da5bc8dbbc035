import { didYouMean } from '../../lib/did-you-mean.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * What the schema cannot say about `System.spec.sources.poll` (runtime/adapters/sources/poll): each
 * entry polls exactly one thing (`odata` or `queue`), over an http endpoint, under a name no other
 * entry uses (the name keys its watermark), and a queue's acknowledgement path names the entry's id as
 * `{id}` (a near miss such as `{ID}` is a typo; other placeholders are System parameters). An OData `version` that contradicts `endpoint.format` is a warning.
 */
export function checkPollSources(doc: SpecDocument, report: Reporter): void {
  if (doc.kind !== 'System') return;
  const polls = doc.spec.sources?.poll;
  if (!polls) return;
  const at = ['spec', 'sources', 'poll'];
  if (doc.spec.endpoint.protocol !== 'http') {
    report.add(
      doc,
      'poll-source-invalid',
      at,
      `polling needs an http endpoint; this System's endpoint.protocol is \`${doc.spec.endpoint.protocol}\``,
      'Poll an OData or REST System (`endpoint.protocol: http` with a `url`), or use the source kind of this protocol.',
      { key: true },
    );
  }
  const names = new Map<string, number>();
  polls.forEach((poll, i) => {
    const first = names.get(poll.name);
    if (first !== undefined) {
      report.add(
        doc,
        'duplicate-entry',
        [...at, i, 'name'],
        `poll "${poll.name}" is already defined as entry ${first + 1}`,
        'Each poll keeps its watermark under its name; give every poll its own.',
      );
    } else {
      names.set(poll.name, i);
    }
    if ((poll.odata === undefined) === (poll.queue === undefined)) {
      report.add(
        doc,
        'poll-source-invalid',
        [...at, i],
        poll.odata
          ? `poll "${poll.name}" has both \`odata\` and \`queue\``
          : `poll "${poll.name}" says neither what to read (\`odata\`) nor which queue (\`queue\`)`,
        'Give each poll exactly one of `odata` (a collection read with a watermark) or `queue` (entries read, then acknowledged); split them into two polls.',
      );
    }
    const format = doc.spec.endpoint.format;
    const version = poll.odata?.version;
    if (version && (format === 'odata-v2' || format === 'odata-v4') && format !== `odata-${version}`) {
      report.add(
        doc,
        'poll-source-invalid',
        [...at, i, 'odata', 'version'],
        `poll "${poll.name}" reads OData ${version} from a System whose endpoint.format is \`${format}\``,
        `Leave \`version\` out to follow endpoint.format, or set it to ${format === 'odata-v2' ? 'v2' : 'v4'}; V2 and V4 differ in envelopes, next links and timestamp literals.`,
        { severity: 'warning' },
      );
    }
    const ackPath = poll.queue?.ack.path;
    if (ackPath) {
      for (const match of ackPath.matchAll(/\{([^}]*)\}/g)) {
        // Other placeholders are System parameters (`{companyId}`); one that is nearly `id` is a typo.
        if (match[1] === 'id' || !didYouMean(match[1]!, ['id'])) continue;
        report.add(
          doc,
          'poll-source-invalid',
          [...at, i, 'queue', 'ack', 'path'],
          `the acknowledgement path has the placeholder {${match[1]}}; the entry's id is filled in only as {id}`,
          `Did you mean {id}? Write ${ackPath.replace(match[0], '{id}')}.`,
        );
      }
    }
  });
}
