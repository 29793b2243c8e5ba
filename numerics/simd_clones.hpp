// venoflow: one SIMD build of a loop per instruction set, picked when the program loads.
//
// A function marked VENOFLOW_SIMD_CLONES is compiled three times, for AVX-512 (8 lanes), AVX2
// (4 lanes) and the baseline (SSE2, 2 lanes), and the loader picks the one the processor runs (GCC
// function multiversioning, ifunc on glibc): about half the instructions per element with each
// doubling of the lanes. A file using it compiles with fp-contract=off (AVX-512 and AVX2 have FMA
// instructions), so that every lane computes what the scalar loop does, rounding for rounding.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VENOFLOW_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VENOFLOW_SIMD_CLONES
#endif
