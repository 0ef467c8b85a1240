// Where the CLI writes what. stdout carries results only (a table, a file's bytes, or JSON), so it can be
// piped; notes, progress and errors go to stderr. `--json`: results as JSON (json-shapes.ts), no notes.
// `--quiet`: the result and errors, nothing else.
import { errorInfo } from '../errors';
import type { ErrorInfo } from './json-shapes';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'none';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly stdout: OutputOptions['stdout'];
  readonly stderr: OutputOptions['stderr'];
  private readonly env: NodeJS.ProcessEnv;

  constructor(o: OutputOptions) {
    this.json = o.json;
    this.quiet = o.quiet;
    this.stdout = o.stdout;
    this.stderr = o.stderr;
    this.env = o.env;
  }

  /**
   * How to show progress: redrawn bars on a terminal; a plain line every few seconds in a log or pipe;
   * JSON lines for commands that stream them with --json (`jsonLines`); nothing with --quiet.
   */
  progressMode(jsonLines = false): ProgressMode {
    if (this.quiet) return 'none';
    if (this.json) return jsonLines ? 'json' : 'none';
    if (this.stderr.isTTY === true && this.env.TERM !== 'dumb') return 'tty';
    return 'plain';
  }

  /** The command's result: `doc` with --json, else the human text (also with --quiet). */
  result(doc: object, human: () => string): void {
    if (this.json) this.jsonLine(doc);
    else {
      const text = human();
      if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  jsonLine(doc: object): void {
    this.stdout.write(`${JSON.stringify(doc)}\n`);
  }

  /** A human note on stderr (not with --json or --quiet). */
  note(text: string): void {
    if (!this.json && !this.quiet) this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    if (!this.quiet) this.stderr.write(`warning: ${text}\n`);
  }

  /** `error CODE: message` and `fix: ...` on stderr; with --json also the error document on stdout
   *  (unless `jsonDone`: the command printed its own failure document). */
  error(err: unknown, jsonDone = false): ErrorInfo {
    const info = errorInfo(err);
    this.stderr.write(`error ${info.code}: ${info.message}\n`);
    if (info.hint !== null) this.stderr.write(`  fix: ${info.hint}\n`);
    if (this.json && !jsonDone) this.jsonLine({ ok: false, error: info });
    return info;
  }
}
