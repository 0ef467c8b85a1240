export { startHubServer, TEST_TOKEN } from './start-hub-server';
export type {
  HubServer,
  HubServerOptions,
  HubServerStats,
  HubRequestRecord,
  HubRequestKind,
  HubRepoSpec,
  HubRevisionSpec,
  HubFileSpec,
  HubBytesFileSpec,
  HubGeneratedFileSpec,
  HubFault,
  HubFaultType,
} from './types';
export { fixtureRepo, type FixtureRepoOptions } from './fixture-repo';
export { SeededContent, BufferContent, CONTENT_BLOCK_SIZE, gitBlobHash, lfsPointer, type ContentSource } from './file-content';
export { globToRegExp } from './fault-set';
export { parseRange, type RangeRequest } from '../protocol';
export { isLfsByDefault } from './repo-registry';
export * from './fixtures/index';
