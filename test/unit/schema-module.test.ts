/** language/schema: the one JSON-pointer helper, field-path parser/printer and local `$ref` resolver. */
import { describe, expect, it } from 'vitest';
import { formatFieldPath, parseFieldPath, propertyField } from '../../language/schema/field-path.ts';
import { childPointer, pointerToPath, pointerTokens, resolvePointer } from '../../language/schema/json-pointer.ts';
import { deref, resolveRef } from '../../language/schema/local-ref.ts';
import { listFields, schemaHasField, walk } from '../../language/schema/schema-walk.ts';

describe('JSON pointers', () => {
  it('escape and unescape segments in the RFC 6901 order', () => {
    expect(childPointer('', 'a/b', 'c~d', 0)).toBe('/a~1b/c~0d/0');
    expect(pointerTokens('/a~1b/c~0d/~01')).toEqual(['a/b', 'c~d', '~1']);
    expect(pointerToPath('/lines/0/01')).toEqual(['lines', 0, '01']);
    expect(pointerToPath('')).toEqual([]);
  });

  it('resolve over own properties only', () => {
    expect(resolvePointer({ a: [1, { b: 2 }] }, '/a/1/b')).toEqual({ ok: true, value: 2 });
    expect(resolvePointer({ a: {} }, '/a/toString')).toEqual({ ok: false, at: '/a/toString' });
  });
});

describe('field paths', () => {
  it('parse and print back the same text', () => {
    for (const text of ['customer.email', 'lines[].sku', '["@odata.etag"]', 'd.results[]["x.y"].z', 'a-b.$c']) {
      const parsed = parseFieldPath(text);
      expect(parsed.ok, text).toBe(true);
      if (parsed.ok) expect(formatFieldPath(parsed.segments)).toBe(text);
    }
    expect(propertyField('', 'a b')).toBe('["a b"]');
  });

  it('refuse names that reach the prototype, and malformed paths', () => {
    for (const text of ['__proto__', 'a.constructor', 'prototype[]', '', 'a..b', '["x', '[""]'])
      expect(parseFieldPath(text).ok, text).toBe(false);
  });
});

describe('local $ref resolution', () => {
  const root = {
    $defs: {
      'a/b': { type: 'string' },
      line: { $anchor: 'line', properties: { sku: { type: 'string' } } },
      loop: { $ref: '#/$defs/loop' },
    },
    properties: { lines: { type: 'array', items: { $ref: '#line' } }, code: { $ref: '#/$defs/a~1b' } },
  };

  it('follows pointers, anchors and the root; refuses inherited names and remote references', () => {
    expect(resolveRef(root, '#/$defs/a~1b')?.schema).toEqual({ type: 'string' });
    expect(resolveRef(root, '#/%24defs/a~1b')?.ptr).toBe('/$defs/a~1b');
    expect(resolveRef(root, '#line')?.ptr).toBe('/$defs/line');
    expect(resolveRef(root, '#')?.schema).toBe(root);
    expect(resolveRef(root, '#/properties/toString')).toBeUndefined();
    expect(resolveRef(root, 'other.json#/x')).toBeUndefined();
    expect(deref(root.$defs.loop, root)).toEqual({ $ref: '#/$defs/loop' });
  });

  it('walks field paths through references, and only own properties', () => {
    expect(schemaHasField(root, 'lines[].sku')).toBe(true);
    expect(schemaHasField(root, 'code[]')).toBe(false);
    expect(schemaHasField(root, 'toString')).toBe(false);
    expect(walk([root], [{ name: 'hasOwnProperty', list: false }], root)).toMatchObject({ ok: false, missing: 'hasOwnProperty' });
    expect(listFields(root).map((f) => [f.path, f.pointer.join('/')])).toEqual([
      ['lines', 'properties/lines'],
      ['lines[].sku', '$defs/line/properties/sku'],
      ['code', 'properties/code'],
    ]);
  });

  it('lists fields with names that need brackets the way the parser reads them', () => {
    const fields = listFields({ properties: { '@odata.etag': { type: 'string' } } });
    expect(fields.map((f) => f.path)).toEqual(['["@odata.etag"]']);
    expect(schemaHasField({ properties: { '@odata.etag': { type: 'string' } } }, fields[0]!.path)).toBe(true);
  });
});
