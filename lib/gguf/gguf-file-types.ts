// `general.file_type` of GGUF files: llama.cpp's LLAMA_FTYPE_MOSTLY_* values (include/llama.h), named as
// the Hub and file names spell quantizations (Q4_K_M, IQ2_XS, F16 ...). 4 (Q4_1_SOME_F16), 5 and 6
// (Q4_2/Q4_3) and 33-35 (Q4_0_4_4/4_8/8_8) are retired in llama.cpp but still found in old files.
const NAMES: readonly (string | undefined)[] = [
  'F32',
  'F16',
  'Q4_0',
  'Q4_1',
  'Q4_1_SOME_F16',
  'Q4_2',
  'Q4_3',
  'Q8_0',
  'Q5_0',
  'Q5_1',
  'Q2_K',
  'Q3_K_S',
  'Q3_K_M',
  'Q3_K_L',
  'Q4_K_S',
  'Q4_K_M',
  'Q5_K_S',
  'Q5_K_M',
  'Q6_K',
  'IQ2_XXS',
  'IQ2_XS',
  'Q2_K_S',
  'IQ3_XS',
  'IQ3_XXS',
  'IQ1_S',
  'IQ4_NL',
  'IQ3_S',
  'IQ3_M',
  'IQ2_S',
  'IQ2_M',
  'IQ4_XS',
  'IQ1_M',
  'BF16',
  'Q4_0_4_4',
  'Q4_0_4_8',
  'Q4_0_8_8',
  'TQ1_0',
  'TQ2_0',
  'MXFP4_MOE',
];

/** The quantization name of a `general.file_type` value, or undefined for values this table lacks. */
export function ggufFileTypeName(fileType: number): string | undefined {
  return NAMES[fileType];
}
