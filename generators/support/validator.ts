/** One problem ajv found (the subset of ajv's ErrorObject the runtime reads). */
export interface ValidationProblem {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** A generated validator: a type guard that leaves its problems on `.errors`. */
export interface Validator<T> {
  (data: unknown): data is T;
  errors?: ValidationProblem[] | null;
}
