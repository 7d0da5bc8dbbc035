import type { PathSegment } from '../../language/diagnostics/diagnostic.ts';
import { BANNER } from '../shared/banner.ts';
import { CodeBuilder } from '../shared/code-builder.ts';
import { mappingFunctionName } from '../shared/naming.ts';
import type { CompiledMapping, ContractInfo } from './compile-mapping.ts';

/** One step of a chain: the compiled mapping it calls and the module it lives in. */
export interface ChainStep {
  /** The step's Mapping name (`a-to-b`); its module is `./a-to-b.js`. */
  name: string;
  compiled: Pick<CompiledMapping, 'functionName' | 'messageFunctionName' | 'fanOut'>;
}

export interface ChainInput {
  name: string;
  source: ContractInfo;
  target: ContractInfo;
  steps: readonly ChainStep[];
}

/**
 * Compiles a chain (`steps: [a-to-b, b-to-c]`) into a module that calls its steps in order:
 * `mapBToC(mapAToB(source))`, typed `(source: A) => C`, so the type checker proves end to end that
 * each step reads what the one before makes. A step that fans out makes the rest run per output
 * (`.flatMap`/`.map`) and the chain return a list. The message function unwraps through the first
 * step's own message function. Pure; the validator has already checked names and contracts, and a
 * type error that remains is reported at the step whose call caused it (`spans`).
 */
export function compileChain(input: ChainInput): CompiledMapping {
  const functionName = mappingFunctionName(input.name);
  const messageFunctionName = `${functionName}Message`;
  const fanOut = input.steps.some((s) => s.compiled.fanOut);
  const returnType = fanOut ? `${input.target.typeName}[]` : input.target.typeName;
  const body = new CodeBuilder<PathSegment[]>();
  // Writes `last(…(first(arg)))`, with one span per step so a type error lands on that step's line.
  const compose = (first: string, arg: string) => {
    let fanned = false;
    let code = '';
    input.steps.forEach((step, i) => {
      const call = i === 0 ? first : step.compiled.functionName;
      if (i === 0) code = `${call}(${arg})`;
      else if (fanned) code = `${code}.${step.compiled.fanOut ? 'flatMap' : 'map'}((message) => ${call}(message))`;
      else code = `${call}(${code})`;
      fanned ||= step.compiled.fanOut;
    });
    return code;
  };
  const chain = input.steps.map((s) => s.name).join(' → ');
  body.line(`/** Maps ${input.source.reference} to ${input.target.reference} through ${chain} (Mapping ${input.name}, a chain). */`);
  body.write(`export function ${functionName}(source: ${input.source.typeName}): ${returnType} `).line('{');
  body.indent(() => {
    body.write('return ');
    body.span(['spec', 'steps'], () => body.write(compose(input.steps[0]!.compiled.functionName, 'source')));
    body.line(';');
  });
  body.line('}');
  body.line('');
  body.line(`/** Maps a message as it arrives (unwrapped as ${input.steps[0]!.name} unwraps it). */`);
  body.write(`export function ${messageFunctionName}(message: unknown): ${returnType} `).line('{');
  body.indent(() => {
    body.write('return ');
    body.span(['spec', 'steps'], () => body.write(compose(input.steps[0]!.compiled.messageFunctionName, 'message')));
    body.line(';');
  });
  body.line('}');

  const header = new CodeBuilder<PathSegment[]>();
  header.line(BANNER);
  const types = [...new Set([input.source.typeName, input.target.typeName])].sort();
  header.line(`import type { ${types.join(', ')} } from '../types.js';`);
  const imports = new Map<string, Set<string>>();
  input.steps.forEach((step, i) => {
    const names = imports.get(step.name) ?? new Set<string>();
    names.add(step.compiled.functionName);
    if (i === 0) names.add(step.compiled.messageFunctionName);
    imports.set(step.name, names);
  });
  for (const [name, names] of [...imports].sort(([a], [b]) => (a < b ? -1 : 1)))
    header.line(`import { ${[...names].sort().join(', ')} } from './${name}.js';`);
  header.line('');
  const head = header.finish().text;
  const built = body.finish();
  return {
    name: input.name,
    functionName,
    messageFunctionName,
    fanOut,
    text: head + built.text,
    spans: built.spans.map((s) => ({ ...s, start: s.start + head.length, end: s.end + head.length })),
    problemPaths: [],
    problems: [],
  };
}
