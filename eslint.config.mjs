// typescript-eslint's strict type-checked rules (house style 16): above all no-floating-promises and
// no-misused-promises, which catch the async mistakes the type checker lets through.
import tseslint from 'typescript-eslint';

const NO_PLAIN_ERRORS = [
  {
    selector: "NewExpression[callee.name='Error']",
    message:
      'A plain Error has no `code`: throw a ModelCacheError (or ModelStoreError / HubError) from lib/errors.ts, with a code from its table.',
  },
  {
    selector: "CallExpression[callee.name='Error']",
    message:
      'A plain Error has no `code`: throw a ModelCacheError (or ModelStoreError / HubError) from lib/errors.ts, with a code from its table.',
  },
];
const NO_ERROR_SUBCLASSES = [
  {
    selector: "ClassDeclaration[superClass.name='Error'], ClassExpression[superClass.name='Error']",
    message: 'Extend ModelCacheError (branded with brandErrorClass), not Error, so the error has a stable `code`.',
  },
];

const NO_NATIVE_HANDLE = [
  {
    selector: "MemberExpression[object.name='ChunkStorage'][property.name='native']",
    message: 'The raw addon handle stays in lib/store: use a ModelCache / ChunkStorage method, or lib/store/documents.ts for documents.',
  },
];
const ERROR_SUBCLASS_ALLOWED = ['lib/errors.ts', 'lib/serve/errors.ts', 'lib/download/download-file.ts', 'lib/testing/fixture-hub.ts'];
const NATIVE_HANDLE_ALLOWED = ['lib/store/**', 'lib/download/**', 'lib/cache/model-cache.ts', 'lib/cache/collect-garbage.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'deps/', '.bench/', '.venv/', 'node_modules/', '**/*.js', '**/*.mjs', 'python/'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // noUncheckedIndexedAccess makes every indexed read optional; `!` marks reads the code has just
      // bounds-checked (and tests' reads of known results). Banning it would mean casts instead.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans in messages are the point of most template strings here.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Rethrowing what was caught, and rejecting with an AbortSignal's reason, pass errors through as they are.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      // Off: it cannot see assignments made in callbacks, event handlers or across an await (a flag set by
      // a 'close' handler reads as always false), and it calls the argument checks that public functions
      // make for untyped JavaScript callers dead code.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Destructuring a field away (`const { owner: _o, ...rest } = v`) is how fields are dropped.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Issue 10.5: every error that leaves the library has a stable `code`. A plain Error has none, so lib/
    // throws ModelCacheError / ModelStoreError / HubError (lib/errors.ts; codes in docs/ERRORS.md), or
    // TypeError / RangeError from invalidArgument() for bad arguments. And the raw addon handle stays in
    // store/ (documents.ts, chunk-storage.ts) and the few modules allowed below.
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...NO_PLAIN_ERRORS, ...NO_ERROR_SUBCLASSES, ...NO_NATIVE_HANDLE] },
  },
  {
    // Allow-list for classes that extend Error directly: lib/errors.ts defines the root, ModelCacheError;
    // the others never leave the library. ServeError and ServeRedirect become HTTP answers
    // (lib/serve/exchange.ts); RangeIgnored is caught in the file that throws it; the fixture Hub answers
    // MalformedUrl with a 400.
    files: ERROR_SUBCLASS_ALLOWED,
    rules: { 'no-restricted-syntax': ['error', ...NO_PLAIN_ERRORS, ...NO_NATIVE_HANDLE] },
  },
  {
    // Allow-list for the raw addon handle (ChunkStorage.native): the store itself; the downloader, whose
    // DownloadContext carries it; ModelCache, which builds that context; gc (uploads); export (to move to
    // ModelCache/ChunkStorage methods).
    files: NATIVE_HANDLE_ALLOWED,
    rules: { 'no-restricted-syntax': ['error', ...NO_PLAIN_ERRORS, ...NO_ERROR_SUBCLASSES] },
  },
  {
    files: ERROR_SUBCLASS_ALLOWED.filter((f) =>
      NATIVE_HANDLE_ALLOWED.some((g) => f === g || (g.endsWith('/**') && f.startsWith(g.slice(0, -2)))),
    ),
    rules: { 'no-restricted-syntax': ['error', ...NO_PLAIN_ERRORS] },
  },
  {
    // Tests and benchmarks: jest's asymmetric matchers (expect.objectContaining, ...) are typed `any`, and
    // fixture generators are async iterables that need no await.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
