import type { System } from '../../../../language/kinds/generated/kinds.ts';
import type { Environment } from '../../../http/secrets.ts';
import { createSystemAuth } from '../../../http/system-auth.ts';
import { fillOperationPath } from '../../../http/system-client.ts';
import { systemParameter } from '../../../worker/route-assembly.ts';
import type { SourceKind } from '../create-sources.ts';
import { PollSource } from './poll-source.ts';
import type { PollSettings } from './poll-settings.ts';
import { resolvePollSettings } from './poll-settings.ts';

/**
 * Fills `{name}` placeholders of a poll path from the System's parameters (environment
 * `<SYSTEM>_PARAM_<NAME>`, as route operations do: `/companies({companyId})/items`). `{id}` in an
 * acknowledgement path stays for the entry id. A parameter that is not set is an error at start,
 * like a missing secret.
 */
function fillPath(path: string, system: string, env: Environment, keep: readonly string[] = []): string {
  const parameter = systemParameter(env, system);
  const parts = keep.length === 0 ? [path] : path.split(`{${keep[0]}}`);
  return parts
    .map((part) => {
      const filled = fillOperationPath(part, undefined, parameter);
      if (!filled.ok) {
        throw new Error(
          `System ${system}: the poll path ${path} names {${filled.missing}}, but the System parameter ${`${system}_PARAM_${filled.missing}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')} is not set`,
        );
      }
      return filled.path;
    })
    .join(keep.length === 0 ? '' : `{${keep[0]}}`);
}

function withParameters(settings: PollSettings, env: Environment): PollSettings {
  const { system, odata, queue } = settings;
  return {
    ...settings,
    ...(odata ? { odata: { ...odata, path: fillPath(odata.path, system, env) } } : {}),
    ...(queue
      ? { queue: { ...queue, path: fillPath(queue.path, system, env), ackPath: fillPath(queue.ackPath, system, env, ['id']) } }
      : {}),
  };
}

/**
 * `System.spec.sources.poll` in the registry of source kinds (create-sources.ts): one PollSource per
 * entry, calling the System with its own credentials (`spec.auth`, whose Secret keys the planner
 * mounts on every unit that talks to the System — so this kind adds none of its own), over the
 * System's transport and inside its budgets.
 */
export const pollSourceKind: SourceKind = {
  property: 'poll',
  create(system: System, deps) {
    const name = system.metadata.name;
    const entries = system.spec.sources?.poll ?? [];
    if (entries.length === 0) return [];
    // The System's transport (its client certificate under mTLS) and budgets, as its deliveries use them:
    // a poll counts against the System's concurrency and rate limits and its circuit breaker.
    const transport = deps.transportFor?.(system) ?? deps.fetchImpl;
    const auth = createSystemAuth(name, system.spec.auth, deps.env, transport);
    const budget = deps.budgets?.get(name);
    return entries.map(
      (entry) =>
        new PollSource(withParameters(resolvePollSettings(name, system.spec, entry), deps.env), system.spec.endpoint.url ?? '', {
          auth,
          fetch: transport,
          budget,
        }),
    );
  },
  secrets: () => [],
};
