// Import direction between the top folders (docs/architecture.md, "Layers"; docs/decisions/0006).
//
//   lib < language < governance | generators < runtime < controller < cli
//
// A folder may import its own layer and the layers below it, never above. governance/ and
// generators/ are siblings and do not import each other. test/, bench/ and scripts/ may import
// anything; product code never imports them. Run with `npm run lint` (part of `npm test`).
// test/unit/architecture-layers.test.ts keeps the picture in docs/architecture.md equal to LAYERS.

/** Bottom to top. Each entry is one layer; folders in the same entry are siblings. */
const LAYERS = [['lib'], ['language'], ['governance', 'generators'], ['runtime'], ['controller'], ['cli']];

const PRODUCT = LAYERS.flat();
/** Folders that drive the product from outside and may import any layer. */
const DRIVERS = ['bin', 'test', 'bench', 'scripts'];

const folders = (names) => `^(${names.join('|')})/`;

/** One rule per layer: everything that is above it, or a sibling of it, is out of reach. */
const layerRules = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const above = LAYERS.slice(index + 1).flat();
    const siblings = layer.filter((other) => other !== folder);
    const forbidden = [...siblings, ...above];
    return forbidden.length === 0
      ? null
      : {
          name: `${folder}-imports-only-down`,
          comment: `${folder}/ may import ${LAYERS.slice(0, index).flat().join(', ') || 'no other layer'}; not ${forbidden.join(', ')}.`,
          severity: 'error',
          from: { path: `^${folder}/` },
          to: { path: folders(forbidden) },
        };
  }),
).filter(Boolean);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'cli-is-imported-by-drivers-only',
      comment: 'The CLI is the top: only bin/, test/, bench/ and scripts/ import it.',
      severity: 'error',
      from: { pathNot: folders(['cli', ...DRIVERS]) },
      to: { path: '^cli/' },
    },
    {
      name: 'no-test-code-in-product',
      comment: 'Product code never imports tests, benchmarks, scripts or the executable in bin/.',
      severity: 'error',
      from: { path: folders(PRODUCT) },
      to: { path: folders(DRIVERS) },
    },
    {
      name: 'no-circular-between-folders',
      comment:
        'No import cycle passes through two top folders. (Cycles inside one folder are not checked here: ' +
        'generators/generate.ts <-> generators/surfaces and cli/watch.ts <-> cli/commands/validate.ts exist.)',
      severity: 'error',
      from: { path: '^([^/]+)/' },
      to: { circular: true, via: { pathNot: '^$1/' } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // runtime/map/page/ is the estate map's browser script: it imports cytoscape from the URL the map serves it at.
    exclude: { path: ['^generated/', '^test/generators/[^/]+/expected/', '^tools/', 'node_modules', '^runtime/map/page/'] },
    // Type-only imports count: a type from a higher layer is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
