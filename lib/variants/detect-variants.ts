// Splits a repo listing into variants: the sets of files that each run one precision/quantization of
// the model. Pure: names and sizes in, variants out.
//
// Rules (docs/MANIFEST.md has the user-facing version):
// - ONNX (transformers.js layout): one variant per dtype suffix, holding every component's session of
//   that dtype (encoder_model, decoder_model_merged, vision_model ...) with its external data, plus the
//   shared configs/tokenizer. `decoder_model_merged` supersedes `decoder_model` +
//   `decoder_with_past_model` (transformers.js >= 3 loads only the merged one).
// - onnxruntime-genai: a folder with genai_config.json is one self-contained variant.
// - GGUF: one variant per file; the shards `-0000i-of-0000n` of one file are ONE variant. Named by
//   quant type. Self-contained (llama.cpp reads the tokenizer from the GGUF), so no shared files.
//   `mmproj-*` projectors are variants of their own.
// - safetensors / PyTorch .bin / TF .h5 / Flax .msgpack: one variant per format and precision tag
//   (`model.fp16.safetensors` is safetensors/fp16), shards and index included, plus the shared files.
// - Anything else (README, licences, images, Meta's original/*.pth, OpenVINO, scripts) is in no variant.

import { isSharedFile } from './shared-file';
import { ONNX_DTYPE_ORDER, parseOnnxExternalData, parseOnnxSession } from './parse-onnx-name';
import { parseGgufName } from './parse-gguf-name';
import {
  VARIANT_KINDS,
  type DetectedVariant,
  type OnnxComponent,
  type VariantDetection,
  type VariantFileInput,
  type VariantKind,
} from './types';

export interface DetectVariantsParams {
  readonly files: readonly VariantFileInput[];
}

const DOC_FILE = /(?:^|\/)(?:README[^/]*|LICEN[CS]E[^/]*|NOTICE[^/]*|USE_POLICY[^/]*|\.gitattributes|\.gitignore|[^/]*\.md)$/i;

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}

/** Weight files of the transformers-style formats: kind, precision tag, and whether it is the shard index. */
function parseWeights(path: string): { kind: VariantKind; tag: string } | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const TAG = '(?:\\.(fp16|bf16|fp32|fp8|non_ema|ema))?';
  const SHARD = '(?:-\\d{5}-of-\\d{5})?';
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^(.+?)${TAG}${SHARD}\\.safetensors$`).exec(base)) !== null) {
    // Mistral ships consolidated.safetensors (mistral-inference) next to the transformers shards.
    return { kind: 'safetensors', tag: m[1]?.startsWith('consolidated') === true ? 'consolidated' : (m[2] ?? '') };
  }
  if ((m = new RegExp(`^(.+?)\\.safetensors\\.index${TAG}\\.json$`).exec(base)) !== null) {
    return { kind: 'safetensors', tag: m[1]?.startsWith('consolidated') === true ? 'consolidated' : (m[2] ?? '') };
  }
  if ((m = new RegExp(`^(?:pytorch_model|diffusion_pytorch_model)${TAG}${SHARD}\\.bin$`).exec(base)) !== null)
    return { kind: 'pytorch', tag: m[1] ?? '' };
  if ((m = new RegExp(`^(?:pytorch_model|diffusion_pytorch_model)\\.bin\\.index${TAG}\\.json$`).exec(base)) !== null)
    return { kind: 'pytorch', tag: m[1] ?? '' };
  if (/^tf_model(?:-\d{5}-of-\d{5})?\.h5$|^tf_model\.h5\.index\.json$/.test(base)) return { kind: 'tensorflow', tag: '' };
  if (/^flax_model(?:-\d{5}-of-\d{5})?\.msgpack$|^flax_model\.msgpack\.index\.json$/.test(base)) return { kind: 'flax', tag: '' };
  return undefined;
}

/** Shards announced as `-0000i-of-0000n` that are absent from `present`. */
function missingShards(paths: readonly string[]): string[] {
  const groups = new Map<string, { count: number; ext: string; have: Set<number> }>();
  for (const path of paths) {
    const m = /^(.*)-(\d{5})-of-(\d{5})(\.[^/]+)$/.exec(path);
    if (m === null) continue;
    const key = `${m[1]}\0${m[4]}`;
    const group = groups.get(key) ?? { count: 0, ext: m[4] as string, have: new Set<number>() };
    group.count = Math.max(group.count, Number(m[3]));
    group.have.add(Number(m[2]));
    groups.set(key, group);
  }
  const missing: string[] = [];
  for (const [key, group] of groups) {
    const stem = key.slice(0, key.indexOf('\0'));
    for (let i = 1; i <= group.count; i += 1) {
      if (!group.have.has(i)) missing.push(`${stem}-${pad5(i)}-of-${pad5(group.count)}${group.ext}`);
    }
  }
  return missing.sort();
}

function kindRank(kind: VariantKind): number {
  return VARIANT_KINDS.indexOf(kind);
}

function dtypeRank(dtype: string): number {
  const i = ONNX_DTYPE_ORDER.indexOf(dtype);
  return i < 0 ? ONNX_DTYPE_ORDER.length : i;
}

/** Detects the variants of a repo from its file listing. Throws TypeError on a duplicate path. */
export function detectVariants(params: DetectVariantsParams): VariantDetection {
  const sizes = new Map<string, number>();
  for (const { path, size } of params.files) {
    if (sizes.has(path)) throw new TypeError(`detectVariants: ${path} is listed twice`);
    sizes.set(path, size);
  }
  const paths = [...sizes.keys()].sort();
  const sizeOf = (files: Iterable<string>): number => {
    let total = 0;
    for (const f of files) total += sizes.get(f) ?? 0;
    return total;
  };
  const assigned = new Set<string>();
  const variants: DetectedVariant[] = [];
  const makeVariant = (v: Omit<DetectedVariant, 'files' | 'totalSize'>, shared: readonly string[]): DetectedVariant => {
    const files = [...new Set([...v.weightFiles, ...shared])].sort();
    for (const f of v.weightFiles) assigned.add(f);
    return { ...v, files, totalSize: sizeOf(files) };
  };

  // onnxruntime-genai folders: everything inside (except docs) is one variant.
  const genaiDirs = paths.filter((p) => p.slice(p.lastIndexOf('/') + 1) === 'genai_config.json').map(dirOf);
  const genaiDirOf = (path: string): string | undefined => genaiDirs.find((d) => d === '' || path.startsWith(`${d}/`));
  for (const dir of genaiDirs) {
    const inside = paths.filter((p) => genaiDirOf(p) === dir && !DOC_FILE.test(p));
    variants.push(
      makeVariant(
        {
          name: `genai/${dir === '' ? 'root' : dir}`,
          kind: 'onnx-genai',
          dtype: dir === '' ? 'default' : dir.slice(dir.lastIndexOf('/') + 1),
          weightFiles: inside,
        },
        [],
      ),
    );
  }
  const outside = paths.filter((p) => genaiDirOf(p) === undefined);
  const shared = outside.filter(isSharedFile);

  // ONNX sessions grouped by dtype, external data attached to their session.
  const externalData = new Map<string, { path: string; chunk: number }[]>();
  const byDtype = new Map<string, Map<string, string>>(); // dtype -> component -> session path
  for (const path of outside) {
    const session = parseOnnxSession(path);
    if (session === undefined) continue;
    const components = byDtype.get(session.dtype) ?? new Map<string, string>();
    components.set(session.component, path);
    byDtype.set(session.dtype, components);
  }
  for (const path of outside) {
    const data = parseOnnxExternalData(path);
    if (data === undefined || !sizes.has(data.session)) continue; // orphan data stays in otherFiles
    const list = externalData.get(data.session) ?? [];
    list.push({ path, chunk: data.chunk });
    externalData.set(data.session, list);
  }
  const supersededBy = (components: ReadonlyMap<string, string>): Set<string> => {
    const out = new Set<string>();
    for (const name of components.keys()) {
      const m = /^(.*)decoder_model_merged$/.exec(name);
      if (m === null) continue;
      for (const old of [`${m[1]}decoder_model`, `${m[1]}decoder_with_past_model`]) if (components.has(old)) out.add(old);
    }
    return out;
  };
  // Components any dtype has (superseded pairs count as covered by the merged decoder).
  const allComponents = new Set<string>();
  const everSuperseded = new Set<string>();
  for (const components of byDtype.values()) {
    const dropped = supersededBy(components);
    for (const name of components.keys()) if (!dropped.has(name)) allComponents.add(name);
    for (const name of dropped) everSuperseded.add(name);
  }
  for (const name of everSuperseded) allComponents.delete(name);
  for (const [dtype, components] of byDtype) {
    const dropped = supersededBy(components);
    const kept: OnnxComponent[] = [...components]
      .filter(([name]) => !dropped.has(name))
      .map(([name, session]) => ({
        name,
        session,
        externalData: (externalData.get(session) ?? []).sort((a, b) => a.chunk - b.chunk).map((d) => d.path),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const have = new Set(kept.map((c) => c.name));
    const missing = [...allComponents].filter((name) => {
      if (have.has(name)) return false;
      // A dtype with the unmerged pair does not lack the merged decoder.
      const m = /^(.*)decoder_model_merged$/.exec(name);
      return !(m !== null && components.has(`${m[1]}decoder_model`));
    });
    const supersededFiles = [...dropped].flatMap((name) => {
      const session = components.get(name) as string;
      return [session, ...(externalData.get(session) ?? []).map((d) => d.path)];
    });
    for (const f of supersededFiles) assigned.add(f);
    variants.push(
      makeVariant(
        {
          name: `onnx/${dtype}`,
          kind: 'onnx',
          dtype,
          weightFiles: kept.flatMap((c) => [c.session, ...c.externalData]),
          components: kept,
          ...(missing.length > 0 ? { missing: missing.sort() } : {}),
          ...(supersededFiles.length > 0 ? { superseded: supersededFiles.sort() } : {}),
        },
        shared,
      ),
    );
  }

  // GGUF: shards of one stem are one variant; named by quant, disambiguated when two stems share one.
  const gguf = new Map<string, { quant: string | undefined; mmproj: boolean; files: string[] }>();
  for (const path of outside) {
    const name = parseGgufName(path);
    if (name === undefined) continue;
    const group = gguf.get(name.stem) ?? { quant: name.quant, mmproj: name.mmproj, files: [] };
    group.files.push(path);
    gguf.set(name.stem, group);
  }
  const labelOf = (stem: string, group: { quant: string | undefined; mmproj: boolean }): string => {
    const base = stem.slice(stem.lastIndexOf('/') + 1);
    if (group.quant === undefined) return base;
    return group.mmproj ? `mmproj-${group.quant}` : group.quant;
  };
  const labelCount = new Map<string, number>();
  for (const [stem, group] of gguf) labelCount.set(labelOf(stem, group), (labelCount.get(labelOf(stem, group)) ?? 0) + 1);
  for (const [stem, group] of gguf) {
    let label = labelOf(stem, group);
    if ((labelCount.get(label) ?? 0) > 1) label = stem; // e.g. two Q4_K_M files of different models
    const missing = missingShards(group.files);
    variants.push(
      makeVariant(
        {
          name: `gguf/${label}`,
          kind: 'gguf',
          dtype: group.quant ?? label,
          weightFiles: group.files.sort(),
          ...(missing.length > 0 ? { missing } : {}),
        },
        [],
      ),
    );
  }

  // safetensors / pytorch / tensorflow / flax, by format and precision tag.
  const weights = new Map<string, { kind: VariantKind; tag: string; files: string[] }>();
  for (const path of outside) {
    const w = parseWeights(path);
    if (w === undefined) continue;
    const key = `${w.kind}/${w.tag}`;
    const group = weights.get(key) ?? { ...w, files: [] };
    group.files.push(path);
    weights.set(key, group);
  }
  for (const group of weights.values()) {
    const missing = missingShards(group.files);
    variants.push(
      makeVariant(
        {
          name: group.tag === '' ? group.kind : `${group.kind}/${group.tag}`,
          kind: group.kind,
          dtype: group.tag === '' ? 'default' : group.tag,
          weightFiles: group.files.sort(),
          ...(missing.length > 0 ? { missing } : {}),
        },
        shared,
      ),
    );
  }

  variants.sort((a, b) => {
    if (a.kind !== b.kind) return kindRank(a.kind) - kindRank(b.kind);
    if (a.kind === 'onnx') return dtypeRank(a.dtype) - dtypeRank(b.dtype) || a.dtype.localeCompare(b.dtype);
    if (a.kind === 'gguf') return a.totalSize - b.totalSize || a.name.localeCompare(b.name);
    return a.name.localeCompare(b.name);
  });
  const sharedSet = new Set(shared);
  // Shared files only count as shared when some variant uses them.
  const usedShared = variants.some((v) => v.kind !== 'gguf' && v.kind !== 'onnx-genai') ? shared : [];
  const otherFiles = paths.filter((p) => !assigned.has(p) && !(sharedSet.has(p) && usedShared.length > 0));
  return { variants, sharedFiles: usedShared, otherFiles };
}
