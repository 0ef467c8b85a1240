// Picking the ONNX sessions of a variant and the external data files each one loads, by file name: a
// variant is e.g. onnx/model_q4f16.onnx + onnx/model_q4f16.onnx_data (+ configs). Names follow
// transformers.js (`<session>.onnx_data`, then `_1`, `_2` ... chunks in v4) and onnx's own default
// (`<session>.onnx.data`, onnxruntime-genai). listOnnxExternalData() reads the exact list from a model.

/** One .onnx graph and its external data files, in load order. */
export interface OnnxSessionFiles {
  session: string;
  externalData: string[];
}

const EXTERNAL = /^(.+\.onnx)(?:_data|\.data)(?:_(\d+))?$/;

/** The sessions among `paths` (sorted) with their external data files (chunk 0 first). Other files
 *  (configs, tokenizers) are ignored; external data without its .onnx is left out. */
export function selectOnnxSessionFiles(paths: readonly string[]): OnnxSessionFiles[] {
  const sessions = new Map<string, { path: string; chunk: number }[]>();
  for (const p of paths) if (p.endsWith('.onnx')) sessions.set(p, []);
  for (const p of paths) {
    const m = EXTERNAL.exec(p);
    if (m === null) continue;
    const data = sessions.get(m[1] as string);
    if (data !== undefined) data.push({ path: p, chunk: m[2] === undefined ? 0 : Number(m[2]) });
  }
  return [...sessions.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([session, data]) => ({
      session,
      externalData: data.sort((a, b) => a.chunk - b.chunk || (a.path < b.path ? -1 : 1)).map((d) => d.path),
    }));
}
