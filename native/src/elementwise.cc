// The glue around the convolutions that tfjs-cpu runs element by element in JS: LeakyReLU, channel
// concat/split, softmax over channels, per-channel bias add and its reduction, and the fused SGD-Nesterov
// update over a flat parameter buffer. All channels-last (rows x C), OpenMP over rows, deterministic.
#include "common.h"
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace nnunet {
namespace {

size_t lengthOf(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(info.Env(), std::string(what) + ": expected a Float32Array");
  return info[i].As<Napi::Float32Array>().ElementLength();
}

// leakyReluForward(x, slope, y)
Napi::Value LeakyReluForward(const Napi::CallbackInfo &info) {
  const size_t n = lengthOf(info, 0, "x");
  const float *x = f32Arg(info, 0, n, "x");
  const float slope = floatArg(info, 1, "slope");
  float *y = f32Arg(info, 2, n, "y");
#pragma omp parallel for simd schedule(static) if ((int64_t)n >= kParallelMin)
  for (size_t i = 0; i < n; i++) y[i] = std::max(x[i], 0.f) + slope * std::min(x[i], 0.f);
  return info.Env().Undefined();
}

// leakyReluBackward(x, dy, slope, dx)
Napi::Value LeakyReluBackward(const Napi::CallbackInfo &info) {
  const size_t n = lengthOf(info, 0, "x");
  const float *x = f32Arg(info, 0, n, "x"), *dy = f32Arg(info, 1, n, "dy");
  const float slope = floatArg(info, 2, "slope");
  float *dx = f32Arg(info, 3, n, "dx");
#pragma omp parallel for simd schedule(static) if ((int64_t)n >= kParallelMin)
  for (size_t i = 0; i < n; i++) dx[i] = dy[i] * (slope + (1.f - slope) * (float)(x[i] > 0.f));
  return info.Env().Undefined();
}

// expForward(x, y)
Napi::Value ExpForward(const Napi::CallbackInfo &info) {
  const size_t n = lengthOf(info, 0, "x");
  const float *x = f32Arg(info, 0, n, "x");
  float *y = f32Arg(info, 1, n, "y");
#pragma omp parallel for simd schedule(static) if ((int64_t)n >= kParallelMin)
  for (size_t i = 0; i < n; i++) y[i] = std::exp(x[i]);
  return info.Env().Undefined();
}

// copyChannels(rows, src, Cs, srcOffset, dst, Cd, dstOffset, count): dst[r, dstOffset + j] = src[r, srcOffset + j]
Napi::Value CopyChannels(const Napi::CallbackInfo &info) {
  const int64_t rows = intArg(info, 0, "rows"), Cs = intArg(info, 2, "Cs"), so = intArg(info, 3, "srcOffset");
  const int64_t Cd = intArg(info, 5, "Cd"), dO = intArg(info, 6, "dstOffset"), count = intArg(info, 7, "count");
  if (so < 0 || dO < 0 || count < 0 || so + count > Cs || dO + count > Cd)
    throw Napi::RangeError::New(info.Env(), "copyChannels: channel range out of bounds");
  const float *src = f32Arg(info, 1, rows * Cs, "src");
  float *dst = f32Arg(info, 4, rows * Cd, "dst");
#pragma omp parallel for schedule(static) if (rows * count >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) std::memcpy(dst + r * Cd + dO, src + r * Cs + so, count * sizeof(float));
  return info.Env().Undefined();
}

// softmaxForward(rows, C, x, y)
Napi::Value SoftmaxForward(const Napi::CallbackInfo &info) {
  const int64_t rows = intArg(info, 0, "rows"), C = intArg(info, 1, "C");
  const float *x = f32Arg(info, 2, rows * C, "x");
  float *y = f32Arg(info, 3, rows * C, "y");
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float *a = x + r * C;
    float *o = y + r * C;
    float mx = a[0];
    for (int64_t c = 1; c < C; c++) mx = std::max(mx, a[c]);
    float s = 0.f;
    for (int64_t c = 0; c < C; c++) { o[c] = std::exp(a[c] - mx); s += o[c]; }
    const float inv = 1.f / s;
    for (int64_t c = 0; c < C; c++) o[c] *= inv;
  }
  return info.Env().Undefined();
}

// softmaxBackward(rows, C, y, dy, dx): dx = y * (dy - <dy, y>)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo &info) {
  const int64_t rows = intArg(info, 0, "rows"), C = intArg(info, 1, "C");
  const float *y = f32Arg(info, 2, rows * C, "y"), *dy = f32Arg(info, 3, rows * C, "dy");
  float *dx = f32Arg(info, 4, rows * C, "dx");
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float *p = y + r * C, *d = dy + r * C;
    float *o = dx + r * C;
    float dot = 0.f;
    for (int64_t c = 0; c < C; c++) dot += p[c] * d[c];
    for (int64_t c = 0; c < C; c++) o[c] = p[c] * (d[c] - dot);
  }
  return info.Env().Undefined();
}

// addBias(rows, C, y, b): y[r, c] += b[c] in place
Napi::Value AddBias(const Napi::CallbackInfo &info) {
  const int64_t rows = intArg(info, 0, "rows"), C = intArg(info, 1, "C");
  float *y = f32Arg(info, 2, rows * C, "y");
  const float *b = f32Arg(info, 3, C, "b");
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < C; c++) y[r * C + c] += b[c];
  return info.Env().Undefined();
}

// sumRows(rows, C, x, out[C]): column sums (a bias gradient), double accumulation, fixed partition
Napi::Value SumRows(const Napi::CallbackInfo &info) {
  const int64_t rows = intArg(info, 0, "rows"), C = intArg(info, 1, "C");
  const float *x = f32Arg(info, 2, rows * C, "x");
  float *out = f32Arg(info, 3, C, "out");
  const int T = omp_get_max_threads();
  std::vector<double> partial((size_t)T * C, 0.0);
#pragma omp parallel num_threads(T) if (rows * C >= kParallelMin)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double *s = &partial[(size_t)t * C];
    for (int64_t r = rows * t / nt; r < rows * (t + 1) / nt; r++)
      for (int64_t c = 0; c < C; c++) s[c] += x[r * C + c];
  }
  for (int64_t c = 0; c < C; c++) {
    double a = 0;
    for (int t = 0; t < T; t++) a += partial[(size_t)t * C + c];
    out[c] = (float)a;
  }
  return info.Env().Undefined();
}

// sgdNesterov(params, grads, momentum, lr, mu, weightDecay), in place, PyTorch's SGD(nesterov=True):
// g += wd * p; buf = mu * buf + g; p -= lr * (g + mu * buf). A zero-initialised buf matches PyTorch's first step.
Napi::Value SgdNesterov(const Napi::CallbackInfo &info) {
  const size_t n = lengthOf(info, 0, "params");
  float *p = f32Arg(info, 0, n, "params"), *buf = f32Arg(info, 2, n, "momentum");
  const float *g = f32Arg(info, 1, n, "grads");
  const float lr = floatArg(info, 3, "lr"), mu = floatArg(info, 4, "mu"), wd = floatArg(info, 5, "weightDecay");
#pragma omp parallel for simd schedule(static) if ((int64_t)n >= kParallelMin)
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i] + wd * p[i];
    const float b = mu * buf[i] + gi;
    buf[i] = b;
    p[i] -= lr * (gi + mu * b);
  }
  return info.Env().Undefined();
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("leakyReluForward", Napi::Function::New(env, LeakyReluForward));
  exports.Set("leakyReluBackward", Napi::Function::New(env, LeakyReluBackward));
  exports.Set("expForward", Napi::Function::New(env, ExpForward));
  exports.Set("copyChannels", Napi::Function::New(env, CopyChannels));
  exports.Set("softmaxForward", Napi::Function::New(env, SoftmaxForward));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward));
  exports.Set("addBias", Napi::Function::New(env, AddBias));
  exports.Set("sumRows", Napi::Function::New(env, SumRows));
  exports.Set("sgdNesterov", Napi::Function::New(env, SgdNesterov));
}

}  // namespace nnunet
