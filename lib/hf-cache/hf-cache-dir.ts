// Where huggingface_hub keeps its cache, resolved as huggingface_hub 2.0 does (constants.py; see
// docs/HUB-PROTOCOL.md section 6): $HF_HUB_CACHE, the legacy $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub,
// where HF_HOME defaults to $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
import { homedir } from 'node:os';
import path from 'node:path';

export function hfHubCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const hfHome = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache'), 'huggingface');
  return path.join(hfHome, 'hub');
}

/** `org/name` -> `models--org--name` (huggingface_hub `repo_folder_name`). */
export function hfRepoFolderName(repo: string): string {
  return ['models', ...repo.split('/')].join('--');
}

/** `models--org--name` -> `org/name`; undefined for datasets, spaces and anything else. */
export function parseHfRepoFolderName(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  const parts = folder.slice('models--'.length).split('--');
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === '')) return undefined;
  return parts.join('/');
}
