// Shared helpers of the oneDNN addon: argument unpacking with clear errors, the one engine/stream.
// Layout at the JS boundary is tfjs's: activations channels-last (N, D, H, W, C; 2D has D = 1),
// filters [kd, kh, kw, Cin, Cout]. Every output is a caller-allocated Float32Array.
#pragma once
#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <cstdint>
#include <string>

namespace nnunet {

// Below this many floats a loop runs on one thread: waking the pool costs more than the work, and far more
// when the cores are oversubscribed (a descheduled worker stalls the whole region).
constexpr int64_t kParallelMin = 1 << 16;

// Hot loops are compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time, so one build runs
// everywhere and still uses the wide vectors (the addon is not built with -march=native).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NNUNET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NNUNET_CLONES
#endif

dnnl::engine &cpuEngine();
dnnl::stream &cpuStream();

inline int64_t intArg(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + ": expected a number");
  return info[i].As<Napi::Number>().Int64Value();
}
inline float floatArg(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + ": expected a number");
  return info[i].As<Napi::Number>().FloatValue();
}
inline bool isAbsent(const Napi::Value &v) { return v.IsNull() || v.IsUndefined(); }

// A Float32Array of exactly `expect` elements (data pointer already includes its byteOffset).
inline float *f32Arg(const Napi::CallbackInfo &info, size_t i, size_t expect, const char *what) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(what) + ": expected a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != expect)
    throw Napi::RangeError::New(info.Env(), std::string(what) + ": length " + std::to_string(a.ElementLength()) +
                                                " != expected " + std::to_string(expect));
  return a.Data();
}
inline float *optionalF32Arg(const Napi::CallbackInfo &info, size_t i, size_t expect, const char *what) {
  return info.Length() > i && !isAbsent(info[i]) ? f32Arg(info, i, expect, what) : nullptr;
}

// oneDNN reports failures as dnnl::error; surface them as JS errors with the status.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo &info, F body) {
  try {
    body();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what() + " (status " + std::to_string((int)e.status) + ")");
  }
  return info.Env().Undefined();
}

void registerConv(Napi::Env env, Napi::Object exports);
void registerInstanceNorm(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerBinary(Napi::Env env, Napi::Object exports);
void clearConvCache();
size_t convCacheSize();

}  // namespace nnunet
