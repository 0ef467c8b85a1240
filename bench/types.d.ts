// Benchmark baselines without type declarations of their own.
declare module 'fast-crc32c';
declare module 'sse4_crc32';
