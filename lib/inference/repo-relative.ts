// Repo paths used to build file system paths: they must stay inside the directory they are joined to.
import path from 'node:path';
import { invalidArgument } from '../errors';

/** `p` as a normalized relative POSIX path with no `..`, or a TypeError. */
export function safeRelativePath(p: string, what: string): string {
  if (typeof p !== 'string' || p === '' || p.includes('\0') || p.includes('\\'))
    throw invalidArgument(`${what} must be a relative path: ${JSON.stringify(p)}`);
  const n = path.posix.normalize(p);
  if (path.posix.isAbsolute(n) || n === '..' || n.startsWith('../') || n === '.') {
    throw invalidArgument(`${what} must stay inside its directory: ${JSON.stringify(p)}`);
  }
  return n;
}

/** The repo path a model's relative reference (an external-data `location`) names. */
export function resolveSibling(modelPath: string, location: string): string {
  const dir = path.posix.dirname(modelPath);
  return safeRelativePath(path.posix.join(dir === '.' ? '' : dir, location), `external data location of ${modelPath}`);
}
