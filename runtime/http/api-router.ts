import type { Api } from '../../language/kinds/generated/kinds.ts';

type Operation = Api['spec']['operations'][number];

export interface RouteMatch {
  operation: Operation;
  pathParams: Record<string, string>;
}

/**
 * Matches a request path to an operation of one Api (`basePath` + `path` with `{param}` segments).
 * Literal segments win over parameters; a path that matches with another method gives `methodNotAllowed`
 * with the allowed methods (405 + Allow).
 */
export class ApiRouter {
  private readonly routes: { operation: Operation; segments: string[]; literals: number }[];
  private readonly basePath: string;

  constructor(api: Api) {
    this.basePath = api.spec.basePath ?? `/${api.metadata.name}/v${api.spec.version.split('.')[0]}`;
    this.routes = api.spec.operations
      .map((operation) => {
        const segments = operation.path.split('/').filter(Boolean);
        return { operation, segments, literals: segments.filter((s) => !s.startsWith('{')).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  get base(): string {
    return this.basePath;
  }

  /** Whether a path belongs to this Api at all. */
  owns(path: string): boolean {
    return path === this.basePath || path.startsWith(`${this.basePath}/`);
  }

  match(method: string, path: string): { ok: true; match: RouteMatch } | { ok: false; allowed: string[] } {
    const rest = path.slice(this.basePath.length).split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      if (route.segments.length !== rest.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < rest.length; i++) {
        const seg = route.segments[i]!;
        let value: string;
        try {
          value = decodeURIComponent(rest[i]!);
        } catch {
          ok = false;
          break;
        }
        if (seg.startsWith('{')) params[seg.slice(1, -1)] = value;
        else if (seg !== value) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (route.operation.method === method) return { ok: true, match: { operation: route.operation, pathParams: params } };
      allowed.push(route.operation.method);
    }
    return { ok: false, allowed };
  }
}
