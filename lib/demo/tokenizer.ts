// The demo's tokenizer: a small BERT-style WordPiece vocabulary, written as the Hugging Face `tokenizers`
// JSON that transformers.js and `tokenizers` read, and a TypeScript implementation of the part of BERT
// tokenization the demo needs (lowercase, split on whitespace and punctuation, greedy longest-match
// WordPiece, [CLS] ... [SEP]).

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

// Enough everyday words that the demo's sentences tokenize mostly to whole words.
const WORDS = `the a an and or but of to in on at by for with from as is are was were be been it this that
these those there here he she they we you i my your our their his her its not no yes all some any each
every one two three four five many few more most less very so too also just only then than now today
yesterday tomorrow cat cats dog dogs bird mat rug chair table house home car road city tree sun moon
sky rain snow water food bread milk coffee tea book books paper word words model models cache file files
disk memory data network server client download downloads fast slow big small new old good bad happy
sad sat sit sits sitting ran run runs running fell fall falls rose rise rises went go goes came come
read write reads writes load loads loaded stock stocks market markets price prices bank money sharply
quickly slowly again after before under over near far up down left right day night week year time
people person child children man woman friend family work play music movie game team win lose`
  .split(/\s+/)
  .filter((w) => w !== '');

// ASCII only: splitting into UTF-16 units is splitting into characters here.
// eslint-disable-next-line @typescript-eslint/no-misused-spread
const PUNCT = [...'.,!?;:\'"()-'];
// eslint-disable-next-line @typescript-eslint/no-misused-spread
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'est', 'ly', 'ness'];

/** The vocabulary: special tokens, words, punctuation, letters, `##` pieces, then BERT's `[unusedN]`
 *  padding up to `size`. Index = token id. */
export function demoVocabulary(size = 2048): string[] {
  const tokens = [...SPECIAL, ...WORDS, ...PUNCT, ...LETTERS, ...LETTERS.map((c) => `##${c}`), ...SUFFIXES.map((s) => `##${s}`)];
  const unique = [...new Set(tokens)];
  if (unique.length > size) throw new RangeError(`vocabulary size ${size} is below the ${unique.length} base tokens`);
  for (let i = 0; unique.length < size; i++) unique.push(`[unused${i}]`);
  return unique;
}

/** tokenizer.json (Hugging Face `tokenizers` format) for `vocab`. */
export function demoTokenizerJson(vocab: readonly string[]): string {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (t: string) => ({
    id: ids[t] as number,
    content: t,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const doc = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

export interface Encoding {
  tokens: string[];
  ids: number[];
}

/** A WordPiece tokenizer over a tokenizer.json's vocabulary (BERT rules, lowercasing). */
export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly unk: number;
  private readonly cls: number;
  private readonly sep: number;

  constructor(vocab: ReadonlyMap<string, number>) {
    this.vocab = new Map(vocab);
    const need = (t: string): number => {
      const id = this.vocab.get(t);
      if (id === undefined) throw new TypeError(`the vocabulary has no ${t}`);
      return id;
    };
    this.unk = need('[UNK]');
    this.cls = need('[CLS]');
    this.sep = need('[SEP]');
  }

  /** From the text of a tokenizer.json with a WordPiece model. */
  static fromJson(text: string): WordPieceTokenizer {
    const doc = JSON.parse(text) as { model?: { type?: string; vocab?: Record<string, number> } };
    if (doc.model?.type !== 'WordPiece' || doc.model.vocab === undefined) throw new TypeError('not a WordPiece tokenizer.json');
    return new WordPieceTokenizer(new Map(Object.entries(doc.model.vocab)));
  }

  encode(text: string): Encoding {
    const words =
      text
        .toLowerCase()
        .normalize('NFC')
        .match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
    const tokens = ['[CLS]'];
    const ids = [this.cls];
    for (const word of words) {
      const pieces = this.wordPieces(word);
      for (const [t, id] of pieces) {
        tokens.push(t);
        ids.push(id);
      }
    }
    tokens.push('[SEP]');
    ids.push(this.sep);
    return { tokens, ids };
  }

  private wordPieces(word: string): [string, number][] {
    const out: [string, number][] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: [string, number] | undefined;
      while (end > start) {
        const piece = (start > 0 ? '##' : '') + word.slice(start, end);
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = [piece, id];
          break;
        }
        end--;
      }
      if (found === undefined) return [['[UNK]', this.unk]];
      out.push(found);
      start = end;
    }
    return out;
  }
}
