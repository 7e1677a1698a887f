// Entry point of the nnunet_dnnl addon: registers the kernel groups and reports the library's identity
// (version, ISA, threads) for `nnunet doctor` and run records.
#include "common.h"
#include <omp.h>

namespace nnunet {

// One engine and stream per JS thread (main thread, worker threads), like the primitive caches in conv.cc.
dnnl::engine &cpuEngine() {
  thread_local dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream &cpuStream() {
  thread_local dnnl::stream s(cpuEngine());
  return s;
}

namespace {

// cpu_isa values are bit masks that kept their numbers across oneDNN 2.x and 3.x (names did not all survive).
const char *isaName(int isa) {
  switch (isa) {
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x407: return "avx2_vnni";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    default: return "other";
  }
}

Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t *v = dnnl_version();
  o.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("isa", isaName((int)dnnl_get_effective_cpu_isa()));
  o.Set("threads", omp_get_max_threads());
  o.Set("cachedPrimitives", (double)convCacheSize());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  const int64_t n = intArg(info, 0, "threads");
  if (n < 1) throw Napi::RangeError::New(info.Env(), "threads must be >= 1");
  omp_set_num_threads((int)n);
  return info.Env().Undefined();
}

Napi::Value ClearCache(const Napi::CallbackInfo &info) {
  clearConvCache();
  return info.Env().Undefined();
}

}  // namespace
}  // namespace nnunet

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace nnunet;
  registerConv(env, exports);
  registerInstanceNorm(env, exports);
  registerElementwise(env, exports);
  registerBinary(env, exports);
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache));
  return exports;
}

NODE_API_MODULE(nnunet_dnnl, InitAddon)
