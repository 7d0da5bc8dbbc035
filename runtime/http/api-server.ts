import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Api } from '../../language/kinds/generated/kinds.ts';
import { HttpStatusError } from '../delivery/failures.ts';
import { isBrokenCircuitError } from 'cockatiel';
import { BODY_FAILURE_STATUS, normalisedPath, readBody } from '../../lib/http-server.ts';
import type { SystemBudgets } from '../delivery/system-budget.ts';
import type { Logger } from '../../lib/log.ts';
import type { RuntimeMetrics } from '../observe/metrics.ts';
import { businessKeyAttributes, businessKeysOf } from '../observe/business-keys.ts';
import { parseTraceparent } from '../observe/trace.ts';
import type { Tracer } from '../observe/trace.ts';
import type { ApiAuthenticator } from './api-auth.ts';
import { ApiRouter } from './api-router.ts';
import { AuthFailureThrottle } from './auth-failure-throttle.ts';
import { ClientRateLimits } from './client-rate-limits.ts';
import { deprecationHeaders } from './deprecation.ts';
import { sendJson, sendProblem } from './problem.ts';
import type { ParameterValidator } from './request-params.ts';
import type { ParsedParams } from './request-params.ts';
import { fillOperationPath, parseHttpOperation } from './system-client.ts';
import type { SystemClient } from './system-client.ts';

type Operation = Api['spec']['operations'][number];
type Validate = (value: unknown) => string[] | undefined;

/** What an operation's backend does, resolved by the worker from the spec and the bundles. */
export type OperationBackend =
  | { kind: 'view'; read: (params: ParsedParams) => unknown | Promise<unknown> }
  | {
      kind: 'system';
      client: SystemClient;
      operation: string | undefined;
      map: (answer: unknown) => unknown;
      timeoutMs: number;
      /** System parameters (`companyId`) for placeholders the request does not fill: `<SYSTEM>_PARAM_<NAME>`. */
      parameter?: (name: string) => string | undefined;
    }
  | { kind: 'none' };

export interface OperationRuntime {
  operation: Operation;
  params: ParameterValidator;
  validateRequest?: Validate;
  validateResponse?: Validate;
  /** The response contract's business keys without those that read a pii or confidential field (`unclassifiedBusinessKeys`). */
  responseBusinessKeys?: Readonly<Record<string, string | undefined>>;
  backend: OperationBackend;
}

export interface ApiUnitOptions {
  api: Api;
  operations: OperationRuntime[];
  auth: ApiAuthenticator;
  metrics: RuntimeMetrics;
  logger: Logger;
  tracer: Tracer;
  budgets: SystemBudgets;
  /** Base path of the successor version, for the `Link: rel="successor-version"` header. */
  successorBasePath?: string;
  clock?: () => number;
  maxBodyBytes?: number;
  /** Failed authentications per source address (default: a burst of 20, then 2 per second). */
  authFailures?: AuthFailureThrottle;
}

/** One Api served: returns a request handler that answers for the Api's base path (false otherwise). */
export function createApiUnit(options: ApiUnitOptions) {
  const { api, auth, metrics, tracer, budgets } = options;
  const name = `${api.metadata.name}@${api.spec.version.split('.')[0]}`;
  const router = new ApiRouter(api);
  const limits = api.spec.rateLimit ? new ClientRateLimits(api.spec.rateLimit, options.clock) : undefined;
  const lifecycle = deprecationHeaders(api.spec.deprecation, options.successorBasePath);
  const byId = new Map(options.operations.map((o) => [o.operation.id, o]));
  const log = options.logger.child({ api: name });
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const authFailures = options.authFailures ?? new AuthFailureThrottle(options.clock ? { clock: options.clock } : {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    // Route on the normalised path (dot segments resolved); a target that is not a path is not ours.
    const target = normalisedPath(req.url);
    if (!target || !router.owns(target.path)) return false;
    const url = new URL(`http://worker${target.path}${target.search}`);
    const started = performance.now();
    const found = router.match(req.method ?? 'GET', url.pathname);
    const operationId = found.ok ? found.match.operation.id : 'unmatched';
    const parent = parseTraceparent(req.headers['traceparent'] as string | undefined);
    const span = tracer.startSpan(`${req.method} ${found.ok ? router.base + found.match.operation.path : url.pathname}`, {
      ...(parent ? { parent } : {}),
      kind: 'server',
      attributes: { 'interlace.api': name, 'interlace.operation': operationId },
    });
    let status = 500;
    const respondProblem = (
      problemStatus: number,
      title: string,
      detail: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) => {
      status = problemStatus;
      sendProblem(res, { title, status: problemStatus, detail, ...extra }, { ...lifecycle, ...headers });
    };
    try {
      if (!found.ok) {
        if (found.allowed.length > 0)
          respondProblem(405, 'Method Not Allowed', `${req.method} is not an operation here`, {}, { allow: found.allowed.join(', ') });
        else respondProblem(404, 'Not Found', `no operation at ${url.pathname}`);
        return true;
      }
      const runtime = byId.get(found.match.operation.id)!;
      // An address that keeps failing to authenticate is refused before its credential is looked at.
      const address = req.socket.remoteAddress ?? 'unknown';
      const tooManyFailures = (retryAfter: number) => {
        metrics.rateLimited.inc({ api: name, system: '' });
        respondProblem(
          429,
          'Too Many Requests',
          'too many failed authentications from this address',
          {},
          { 'retry-after': String(retryAfter) },
        );
      };
      const blockedFor = authFailures.blocked(address);
      if (blockedFor !== undefined) {
        tooManyFailures(blockedFor);
        return true;
      }
      const who = await auth.authenticate(req, found.match.operation.scopes ?? []);
      if (!who.ok) {
        const retryAfter = who.status === 401 ? authFailures.failed(address) : undefined;
        if (retryAfter !== undefined) tooManyFailures(retryAfter);
        else respondProblem(who.status, who.title, who.detail, {}, { 'www-authenticate': who.challenge });
        return true;
      }
      span.setAttribute('interlace.client', who.client);
      if (limits) {
        const taken = limits.take(who.client);
        if (!taken.ok) {
          metrics.rateLimited.inc({ api: name, system: '' });
          respondProblem(
            429,
            'Too Many Requests',
            `the rate limit of ${api.spec.rateLimit!.requests} requests per ${api.spec.rateLimit!.per} is used up`,
            {},
            { 'retry-after': String(taken.retryAfterSeconds) },
          );
          return true;
        }
      }
      const params = runtime.params.check(found.match.pathParams, url, req.headers);
      if (!params.ok) {
        respondProblem(400, 'Bad Request', 'parameters are invalid', {
          errors: params.problems.map((p) => ({ in: p.in, name: p.name, detail: p.message })),
        });
        return true;
      }
      let body: unknown;
      if (runtime.operation.request) {
        const bodyRead = await readBody(req, maxBody);
        if (!bodyRead.ok) {
          const detail =
            bodyRead.failure === 'too-large'
              ? `the body exceeds ${maxBody} bytes`
              : bodyRead.failure === 'timeout'
                ? 'the body did not arrive in time'
                : 'the body was cut off';
          const title =
            bodyRead.failure === 'too-large' ? 'Content Too Large' : bodyRead.failure === 'timeout' ? 'Request Timeout' : 'Bad Request';
          respondProblem(BODY_FAILURE_STATUS[bodyRead.failure], title, detail, {}, { connection: 'close' });
          return true;
        }
        const read = bodyRead.body;
        if (read === '' && runtime.operation.requestRequired !== false) {
          respondProblem(400, 'Bad Request', 'a request body is required');
          return true;
        }
        if (read !== '') {
          try {
            body = JSON.parse(read);
          } catch {
            respondProblem(400, 'Bad Request', 'the body is not JSON');
            return true;
          }
          const problems = runtime.validateRequest?.(body);
          if (problems) {
            respondProblem(400, 'Bad Request', `the body breaks contract ${runtime.operation.request}`, { errors: problems });
            return true;
          }
        }
      }
      const answer = await runBackend(runtime, params.value, body, budgets);
      if (answer.kind === 'not-found') {
        respondProblem(404, 'Not Found', answer.detail);
        return true;
      }
      if (answer.kind === 'unavailable') {
        respondProblem(
          503,
          'Service Unavailable',
          answer.detail,
          {},
          answer.retryAfter ? { 'retry-after': String(answer.retryAfter) } : {},
        );
        return true;
      }
      if (answer.kind === 'bad-gateway') {
        respondProblem(502, 'Bad Gateway', answer.detail);
        return true;
      }
      const responseProblems = runtime.validateResponse?.(answer.value);
      if (responseProblems) {
        log.error('the response breaks its contract; not sent', {
          operation: operationId,
          contract: runtime.operation.response.contract,
          problems: responseProblems.slice(0, 5),
        });
        respondProblem(502, 'Bad Gateway', `the backend's answer breaks contract ${runtime.operation.response.contract}`);
        return true;
      }
      const keys = businessKeysOf(answer.value, runtime.responseBusinessKeys);
      span.setAttributes(businessKeyAttributes(keys));
      status = runtime.operation.response.status ?? 200;
      sendJson(res, status, answer.value, lifecycle);
      log.debug('answered', { operation: operationId, status, client: who.client, ...keys });
      return true;
    } catch (error) {
      span.fail(error);
      log.error('request failed', { operation: operationId, error });
      respondProblem(500, 'Internal Server Error', 'the request could not be answered');
      return true;
    } finally {
      span.setAttribute('http.response.status_code', status);
      span.end();
      metrics.apiRequests.inc({ api: name, operation: operationId, status: String(status) });
      metrics.apiLatency.observe({ api: name, operation: operationId }, (performance.now() - started) / 1000);
    }
  }

  return { name, basePath: router.base, handle, ready: () => auth.ready() };
}

type BackendAnswer =
  | { kind: 'ok'; value: unknown }
  | { kind: 'not-found'; detail: string }
  | { kind: 'unavailable'; detail: string; retryAfter?: number }
  | { kind: 'bad-gateway'; detail: string };

async function runBackend(runtime: OperationRuntime, params: ParsedParams, body: unknown, budgets: SystemBudgets): Promise<BackendAnswer> {
  const backend = runtime.backend;
  if (backend.kind === 'view') {
    const value = await backend.read(params);
    return value === undefined ? { kind: 'not-found', detail: 'nothing is known under this key yet' } : { kind: 'ok', value };
  }
  if (backend.kind === 'none') return { kind: 'unavailable', detail: 'this operation has no backend' };
  const op = parseHttpOperation(backend.operation) ?? { method: 'GET', path: backend.operation ?? '/' };
  const filled = fillOperationPath(op.path, { ...params.query, ...params.params }, backend.parameter ?? (() => undefined));
  if (!filled.ok) return { kind: 'bad-gateway', detail: `no value for {${filled.missing}} of the backend operation` };
  const budget = budgets.get(backend.client.system);
  try {
    const response = await budget.execute((signal) =>
      backend.client.call({
        method: op.method,
        path: filled.path,
        ...(op.method !== 'GET' && body !== undefined ? { body } : {}),
        timeoutMs: backend.timeoutMs,
        signal,
      }),
    );
    const record = oneRecord(response.json());
    if (!record.found) return { kind: 'not-found', detail: `${backend.client.system} has no such record` };
    return { kind: 'ok', value: backend.map(record.value) };
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 404)
      return { kind: 'not-found', detail: `${backend.client.system} has no such record` };
    if (isBrokenCircuitError(error))
      return {
        kind: 'unavailable',
        detail: `${backend.client.system} is unavailable (circuit open)`,
        retryAfter: Math.ceil(budget.halfOpenAfterMs / 1000),
      };
    if (error instanceof HttpStatusError && (error.status === 503 || error.status === 429))
      return {
        kind: 'unavailable',
        detail: `${backend.client.system} answered ${error.status}`,
        ...(error.retryAfterMs !== undefined ? { retryAfter: Math.ceil(error.retryAfterMs / 1000) } : {}),
      };
    if ((error as Error)?.name === 'MappingError')
      return { kind: 'bad-gateway', detail: `${backend.client.system}'s answer could not be mapped: ${(error as Error).message}` };
    return { kind: 'bad-gateway', detail: `${backend.client.system} did not answer: ${(error as Error).message}` };
  }
}

/**
 * An API operation answers one record; a backend query (`items?$filter=…&$top=1`) answers a
 * collection. An OData collection — v4 `{value: [...]}` (with `@odata.*` annotations) or v2
 * `{d: {results: [...]}}` — stands for its first record, and an empty one is "no such record".
 * Anything else is the record itself.
 */
function oneRecord(answer: unknown): { found: true; value: unknown } | { found: false } {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return { found: true, value: answer };
  const body = answer as Record<string, unknown>;
  const keys = Object.keys(body).filter((k) => !k.startsWith('@odata.'));
  let rows: unknown;
  if (keys.length === 1 && keys[0] === 'value' && Array.isArray(body.value)) rows = body.value;
  else if (keys.length === 1 && keys[0] === 'd') {
    const d = body.d as Record<string, unknown> | null;
    if (d && typeof d === 'object' && Array.isArray(d.results)) rows = d.results;
  }
  if (rows === undefined) return { found: true, value: answer };
  const list = rows as unknown[];
  return list.length === 0 ? { found: false } : { found: true, value: list[0] };
}
