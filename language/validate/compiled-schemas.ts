import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

/** Compiled contract schemas kept; enough for every contract of a large estate, bounded for `--watch`. */
const MAX_ENTRIES = 512;

/**
 * Compiles schemas once per distinct content. ajv keeps every schema it compiles, so compiling each
 * contract again on every validation grew the heap by about 2.3 MB per run of `--watch`, hot reload
 * and the gate worker. Here one ajv holds at most MAX_ENTRIES schemas: when the cache is full the
 * least recently used entry goes, and its schema is removed from ajv too.
 */
export class CompiledSchemas {
  private readonly byText = new Map<string, { validate: ValidateFunction; schema: object }>();
  private readonly ajv: Ajv2020;
  private readonly limit: number;

  constructor(ajv: Ajv2020, limit = MAX_ENTRIES) {
    this.ajv = ajv;
    this.limit = limit;
  }

  /** The validator of this schema (by its JSON text); throws what ajv throws for a schema it cannot compile. */
  compile(schema: object): ValidateFunction {
    const text = JSON.stringify(schema);
    const hit = this.byText.get(text);
    if (hit) {
      // Most recently used last: Map keeps insertion order.
      this.byText.delete(text);
      this.byText.set(text, hit);
      return hit.validate;
    }
    const validate = this.ajv.compile(schema);
    this.byText.set(text, { validate, schema });
    while (this.byText.size > this.limit) {
      const [oldest, entry] = this.byText.entries().next().value!;
      this.byText.delete(oldest);
      this.ajv.removeSchema(entry.schema);
    }
    return validate;
  }

  get size(): number {
    return this.byText.size;
  }
}
