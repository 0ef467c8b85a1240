export { hfHubCacheDir, hfRepoFolderName, parseHfRepoFolderName } from './hf-cache-dir';
export { gitBlobSha1, lfsPointerText } from './git-hashes';
export { importHfCache } from './import-hf-cache';
export type { ImportAction, ImportedFileEvent, ImportedRepo, ImportHfCacheParams, ImportHfCacheReport } from './import-hf-cache';
export { exportFiles } from './export-files';
export type { ExportedFile, ExportFilesParams, ExportLayout, ExportReport } from './export-files';
