// Convolution forward, backward-data and backward-weights(+bias) on oneDNN, float32, 3-D primitives
// (2-D calls arrive with D = kd = sd = 1). Activations stay in the caller's NDHWC buffers: measured, running
// the primitives on NDHWC beat oneDNN's blocked layouts plus reorders. Only the (small) weights are reordered
// when the primitive wants a blocked layout. Primitives and their reorder buffers are cached by geometry, so
// a training step allocates nothing here after its first iteration.
#include "common.h"
#include <memory>
#include <unordered_map>

namespace nnunet {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

// N, Ci, D, H, W, Co, kd, kh, kw, sd, sh, sw, pad-before d/h/w, pad-after d/h/w, Do, Ho, Wo
constexpr uint32_t kGeomLen = 21;
struct Geom {
  int64_t v[kGeomLen];
  int64_t N() const { return v[0]; }
  int64_t Ci() const { return v[1]; }
  int64_t Co() const { return v[5]; }
  memory::dims src() const { return {v[0], v[1], v[2], v[3], v[4]}; }
  memory::dims dst() const { return {v[0], v[5], v[18], v[19], v[20]}; }
  memory::dims wei() const { return {v[5], v[1], v[6], v[7], v[8]}; }
  memory::dims strides() const { return {v[9], v[10], v[11]}; }
  memory::dims padBefore() const { return {v[12], v[13], v[14]}; }
  memory::dims padAfter() const { return {v[15], v[16], v[17]}; }
  size_t srcSize() const { return (size_t)v[0] * v[1] * v[2] * v[3] * v[4]; }
  size_t dstSize() const { return (size_t)v[0] * v[5] * v[18] * v[19] * v[20]; }
  size_t weiSize() const { return (size_t)v[5] * v[1] * v[6] * v[7] * v[8]; }
  std::string key(char kind, bool bias) const {
    std::string k(1, kind);
    k += bias ? 'b' : '-';
    for (auto x : v) { k += std::to_string(x); k += ','; }
    return k;
  }
};

Geom readGeom(const Napi::CallbackInfo &info) {
  if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() != kGeomLen)
    throw Napi::TypeError::New(info.Env(), "geometry: expected an array of 21 integers");
  Napi::Array a = info[0].As<Napi::Array>();
  Geom g;
  for (uint32_t i = 0; i < kGeomLen; i++) {
    g.v[i] = a.Get(i).As<Napi::Number>().Int64Value();
    if (g.v[i] < 0 || (i < 12 && g.v[i] == 0)) throw Napi::RangeError::New(info.Env(), "geometry: bad entry " + std::to_string(i));
  }
  return g;
}

memory::desc act(const memory::dims &d) { return memory::desc(d, dt::f32, tag::ndhwc); }
memory::desc userWei(const Geom &g) { return memory::desc(g.wei(), dt::f32, tag::dhwio); }
memory::desc anyWei(const Geom &g) { return memory::desc(g.wei(), dt::f32, tag::any); }
memory::desc biasMd(const Geom &g, bool bias) { return bias ? memory::desc({g.Co()}, dt::f32, tag::x) : memory::desc(); }

// A user buffer bound to a primitive argument, reordered only when the primitive's layout differs.
struct Port {
  memory user, prim;
  bool reordered = false;
  reorder r;
  void init(const memory::desc &userMd, const memory::desc &primMd, bool isInput) {
    user = memory(userMd, cpuEngine(), DNNL_MEMORY_NONE);
    reordered = !(userMd == primMd);
    if (!reordered) { prim = user; return; }
    prim = memory(primMd, cpuEngine());
    r = isInput ? reorder(user, prim) : reorder(prim, user);
  }
  memory &input(const float *p) {
    user.set_data_handle(const_cast<float *>(p));
    if (reordered) r.execute(cpuStream(), user, prim);
    return prim;
  }
  memory &output(float *p) { user.set_data_handle(p); return prim; }
  void finishOutput() { if (reordered) r.execute(cpuStream(), prim, user); }
};

#if DNNL_VERSION_MAJOR >= 3
convolution_forward::primitive_desc forwardPd(const Geom &g, bool bias) {
  return convolution_forward::primitive_desc(cpuEngine(), prop_kind::forward_training, algorithm::convolution_direct,
                                             act(g.src()), anyWei(g), biasMd(g, bias), act(g.dst()), g.strides(),
                                             g.padBefore(), g.padAfter());
}
convolution_backward_data::primitive_desc backwardDataPd(const Geom &g) {
  return convolution_backward_data::primitive_desc(cpuEngine(), algorithm::convolution_direct, act(g.src()), anyWei(g),
                                                   act(g.dst()), g.strides(), g.padBefore(), g.padAfter(),
                                                   forwardPd(g, false));
}
convolution_backward_weights::primitive_desc backwardWeightsPd(const Geom &g, bool bias) {
  return convolution_backward_weights::primitive_desc(cpuEngine(), algorithm::convolution_direct, act(g.src()),
                                                      anyWei(g), biasMd(g, bias), act(g.dst()), g.strides(),
                                                      g.padBefore(), g.padAfter(), forwardPd(g, bias));
}
#else
convolution_forward::primitive_desc forwardPd(const Geom &g, bool bias) {
  convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, act(g.src()), anyWei(g),
                              biasMd(g, bias), act(g.dst()), g.strides(), g.padBefore(), g.padAfter());
  return convolution_forward::primitive_desc(d, cpuEngine());
}
convolution_backward_data::primitive_desc backwardDataPd(const Geom &g) {
  convolution_backward_data::desc d(algorithm::convolution_direct, act(g.src()), anyWei(g), act(g.dst()), g.strides(),
                                    g.padBefore(), g.padAfter());
  return convolution_backward_data::primitive_desc(d, cpuEngine(), forwardPd(g, false));
}
convolution_backward_weights::primitive_desc backwardWeightsPd(const Geom &g, bool bias) {
  convolution_backward_weights::desc d(algorithm::convolution_direct, act(g.src()), anyWei(g), biasMd(g, bias),
                                       act(g.dst()), g.strides(), g.padBefore(), g.padAfter());
  return convolution_backward_weights::primitive_desc(d, cpuEngine(), forwardPd(g, bias));
}
#endif

struct Forward { convolution_forward p; Port wei; memory src, dst, bias; };
struct BackwardData { convolution_backward_data p; Port wei; memory diffDst, diffSrc; };
struct BackwardWeights { convolution_backward_weights p; Port diffWei; memory src, diffDst, diffBias; };

// Per JS thread (main, training worker): worker threads may use the addon at the same time.
thread_local std::unordered_map<std::string, std::unique_ptr<Forward>> forwardCache;
thread_local std::unordered_map<std::string, std::unique_ptr<BackwardData>> backwardDataCache;
thread_local std::unordered_map<std::string, std::unique_ptr<BackwardWeights>> backwardWeightsCache;
thread_local std::string lastImpl[3];

memory bound(const memory::desc &md) { return memory(md, cpuEngine(), DNNL_MEMORY_NONE); }
void bind(memory &m, const float *p) { m.set_data_handle(const_cast<float *>(p)); }

Forward &forward(const Geom &g, bool bias) {
  auto &slot = forwardCache[g.key('f', bias)];
  if (!slot) {
    auto pd = forwardPd(g, bias);
    auto e = std::make_unique<Forward>();
    e->p = convolution_forward(pd);
    e->wei.init(userWei(g), pd.weights_desc(), true);
    e->src = bound(pd.src_desc());
    e->dst = bound(pd.dst_desc());
    if (bias) e->bias = bound(pd.bias_desc());
    lastImpl[0] = pd.impl_info_str();
    slot = std::move(e);
  }
  return *slot;
}
BackwardData &backwardData(const Geom &g) {
  auto &slot = backwardDataCache[g.key('d', false)];
  if (!slot) {
    auto pd = backwardDataPd(g);
    auto e = std::make_unique<BackwardData>();
    e->p = convolution_backward_data(pd);
    e->wei.init(userWei(g), pd.weights_desc(), true);
    e->diffDst = bound(pd.diff_dst_desc());
    e->diffSrc = bound(pd.diff_src_desc());
    lastImpl[1] = pd.impl_info_str();
    slot = std::move(e);
  }
  return *slot;
}
BackwardWeights &backwardWeights(const Geom &g, bool bias) {
  auto &slot = backwardWeightsCache[g.key('w', bias)];
  if (!slot) {
    auto pd = backwardWeightsPd(g, bias);
    auto e = std::make_unique<BackwardWeights>();
    e->p = convolution_backward_weights(pd);
    e->diffWei.init(userWei(g), pd.diff_weights_desc(), false);
    e->src = bound(pd.src_desc());
    e->diffDst = bound(pd.diff_dst_desc());
    if (bias) e->diffBias = bound(pd.diff_bias_desc());
    lastImpl[2] = pd.impl_info_str();
    slot = std::move(e);
  }
  return *slot;
}

// convForward(geom, x, w, bias | null, y)
Napi::Value ConvForward(const Napi::CallbackInfo &info) {
  return guarded(info, [&] {
    const Geom g = readGeom(info);
    const float *x = f32Arg(info, 1, g.srcSize(), "x"), *w = f32Arg(info, 2, g.weiSize(), "w");
    const float *b = optionalF32Arg(info, 3, g.Co(), "bias");
    float *y = f32Arg(info, 4, g.dstSize(), "y");
    Forward &e = forward(g, b != nullptr);
    bind(e.src, x);
    bind(e.dst, y);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src}, {DNNL_ARG_WEIGHTS, e.wei.input(w)}, {DNNL_ARG_DST, e.dst}};
    if (b) { bind(e.bias, b); args[DNNL_ARG_BIAS] = e.bias; }
    e.p.execute(cpuStream(), args);
    cpuStream().wait();
  });
}

// convBackwardData(geom, dy, w, dx)
Napi::Value ConvBackwardData(const Napi::CallbackInfo &info) {
  return guarded(info, [&] {
    const Geom g = readGeom(info);
    const float *dy = f32Arg(info, 1, g.dstSize(), "dy"), *w = f32Arg(info, 2, g.weiSize(), "w");
    float *dx = f32Arg(info, 3, g.srcSize(), "dx");
    BackwardData &e = backwardData(g);
    bind(e.diffDst, dy);
    bind(e.diffSrc, dx);
    e.p.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, e.diffDst}, {DNNL_ARG_WEIGHTS, e.wei.input(w)}, {DNNL_ARG_DIFF_SRC, e.diffSrc}});
    cpuStream().wait();
  });
}

// convBackwardWeights(geom, x, dy, dw, dbias | null)
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo &info) {
  return guarded(info, [&] {
    const Geom g = readGeom(info);
    const float *x = f32Arg(info, 1, g.srcSize(), "x"), *dy = f32Arg(info, 2, g.dstSize(), "dy");
    float *dw = f32Arg(info, 3, g.weiSize(), "dw");
    float *db = optionalF32Arg(info, 4, g.Co(), "dbias");
    BackwardWeights &e = backwardWeights(g, db != nullptr);
    bind(e.src, x);
    bind(e.diffDst, dy);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src}, {DNNL_ARG_DIFF_DST, e.diffDst}, {DNNL_ARG_DIFF_WEIGHTS, e.diffWei.output(dw)}};
    if (db) { bind(e.diffBias, db); args[DNNL_ARG_DIFF_BIAS] = e.diffBias; }
    e.p.execute(cpuStream(), args);
    e.diffWei.finishOutput();
    cpuStream().wait();
  });
}

Napi::Value ConvImplementations(const Napi::CallbackInfo &info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("forward", lastImpl[0]);
  o.Set("backwardData", lastImpl[1]);
  o.Set("backwardWeights", lastImpl[2]);
  return o;
}

}  // namespace

void clearConvCache() {
  forwardCache.clear();
  backwardDataCache.clear();
  backwardWeightsCache.clear();
}
size_t convCacheSize() { return forwardCache.size() + backwardDataCache.size() + backwardWeightsCache.size(); }

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
  exports.Set("convImplementations", Napi::Function::New(env, ConvImplementations));
}

}  // namespace nnunet
