/**
 * PlainConvUNet and ResidualEncoderUNet (dynamic-network-architectures, as nnU-Net v2 builds them from a plan)
 * on tfjs, channels last, every heavy op through `netOps()`.
 *
 * Parameter names follow the PyTorch state_dict of the same network so weights can be compared or converted;
 * layouts are tfjs's: conv [...k, Cin, Cout] (torch [Cout, Cin, ...k]), transposed conv [...k, Cout, Cin]
 * (torch [Cin, Cout, ...k]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { netOps } from '../ops/index.js';
import type { NetworkSpec } from './architecture.js';
import { heStd, type InitRole } from './init.js';

export interface NamedParam {
  name: string;
  variable: tf.Variable;
}

export interface Conv {
  w: tf.Variable;
  b: tf.Variable | null;
  stride: number[];
  pad: number[];
}

/** conv -> instance norm (-> LeakyReLU when the unit has a nonlinearity) */
export interface Unit {
  conv: Conv;
  gamma: tf.Variable;
  beta: tf.Variable;
  activate: boolean;
}

/** BasicBlockD: conv1 unit, conv2 unit without nonlin, skip (avg-pool on stride, 1x1 projection on width change). */
export interface ResBlock {
  conv1: Unit;
  conv2: Unit;
  pool: number[] | null;
  projection: Unit | null;
}

export type EncoderStage = { units: Unit[] } | { blocks: ResBlock[] };

export interface ApplyOptions {
  /** return every decoder output, highest resolution first (training); default false: only the final logits */
  deepSupervision?: boolean;
}

export class UNet {
  readonly params: NamedParam[] = [];
  // The layers are readable so exporters (src/interop/onnx) walk the very network that runs, not a rebuilt copy.
  readonly stem: Unit | null;
  readonly encoder: EncoderStage[] = [];
  /** decoder stage j: transposed conv, then its units; heads[j] is its segmentation layer (deep supervision) */
  readonly transp: Conv[] = [];
  readonly decoder: Unit[][] = [];
  readonly heads: Conv[] = [];
  private seed: number | undefined;

  /** seed makes the He initialisation reproducible */
  constructor(readonly spec: NetworkSpec, seed?: number) {
    this.seed = seed;
    const s = spec;
    let cin = s.inputChannels;
    this.stem = s.kind === 'resenc' ? this.unit('encoder.stem.convs.0', cin, s.features[0], s.kernels[0], ones(s.dim), true) : null;
    if (this.stem) cin = s.features[0];
    for (let st = 0; st < s.features.length; st++) {
      const f = s.features[st];
      if (s.kind === 'plain') {
        const units: Unit[] = [];
        for (let i = 0; i < s.encoderDepth[st]; i++) {
          units.push(this.unit(`encoder.stages.${st}.0.convs.${i}`, cin, f, s.kernels[st], i === 0 ? s.strides[st] : ones(s.dim), true));
          cin = f;
        }
        this.encoder.push({ units });
      } else {
        const blocks: ResBlock[] = [];
        for (let i = 0; i < s.encoderDepth[st]; i++) {
          blocks.push(this.resBlock(`encoder.stages.${st}.blocks.${i}`, cin, f, s.kernels[st], i === 0 ? s.strides[st] : ones(s.dim)));
          cin = f;
        }
        this.encoder.push({ blocks });
      }
    }
    const n = s.features.length;
    for (let j = 0; j < n - 1; j++) {
      const below = s.features[n - 1 - j];
      const skip = s.features[n - 2 - j];
      const stride = s.strides[n - 1 - j];
      this.transp.push(this.conv(`decoder.transpconvs.${j}`, [...stride, skip, below], s.convBias, stride, zeros(s.dim), 'transposed'));
      const units: Unit[] = [];
      for (let i = 0; i < s.decoderConvs[j]; i++) {
        units.push(this.unit(`decoder.stages.${j}.convs.${i}`, i === 0 ? 2 * skip : skip, skip, s.kernels[n - 2 - j], ones(s.dim), true));
      }
      this.decoder.push(units);
      this.heads.push(this.conv(`decoder.seg_layers.${j}`, [...ones(s.dim), skip, s.numClasses], true, ones(s.dim), zeros(s.dim), 'conv'));
    }
    this.seed = undefined;
  }

  /** x: [N, ...spatial, C] channels last. Returns logits (no softmax), highest resolution first with deep supervision. */
  apply(x: tf.Tensor, options: ApplyOptions & { deepSupervision: true }): tf.Tensor[];
  apply(x: tf.Tensor, options?: ApplyOptions & { deepSupervision?: false }): tf.Tensor;
  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor | tf.Tensor[] {
    const deep = options.deepSupervision === true;
    return tf.tidy(() => {
      const ops = netOps();
      let h = this.stem ? this.runUnit(this.stem, x) : x;
      const skips: tf.Tensor[] = [];
      for (const stage of this.encoder) {
        if ('units' in stage) for (const u of stage.units) h = this.runUnit(u, h);
        else for (const b of stage.blocks) h = this.runBlock(b, h);
        skips.push(h);
      }
      const outputs: tf.Tensor[] = [];
      let low = skips[skips.length - 1];
      for (let j = 0; j < this.transp.length; j++) {
        const t = this.transp[j];
        let d = ops.concatChannels(ops.convTranspose(low, t.w, t.b, t.stride), skips[skips.length - 2 - j]);
        for (const u of this.decoder[j]) d = this.runUnit(u, d);
        if (deep || j === this.transp.length - 1) {
          const head = this.heads[j];
          outputs.push(ops.conv(d, head.w, head.b, head.stride, head.pad));
        }
        low = d;
      }
      outputs.reverse();
      return deep ? outputs : outputs[0];
    });
  }

  parameterCount(): number {
    return this.params.reduce((a, p) => a + p.variable.size, 0);
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }

  private runUnit(u: Unit, x: tf.Tensor): tf.Tensor {
    const ops = netOps();
    const y = ops.conv(x, u.conv.w, u.conv.b, u.conv.stride, u.conv.pad);
    return ops.instanceNorm(y, u.gamma, u.beta, this.spec.normEps, u.activate ? this.spec.slope : null);
  }

  private runBlock(b: ResBlock, x: tf.Tensor): tf.Tensor {
    const ops = netOps();
    let residual = x;
    if (b.pool) residual = avgPool(residual, b.pool);
    if (b.projection) residual = this.runUnit(b.projection, residual);
    const out = this.runUnit(b.conv2, this.runUnit(b.conv1, x));
    return ops.leakyRelu(tf.add(out, residual), this.spec.slope);
  }

  private resBlock(name: string, cin: number, cout: number, kernel: number[], stride: number[]): ResBlock {
    const strided = stride.some((v) => v !== 1);
    return {
      conv1: this.unit(`${name}.conv1`, cin, cout, kernel, stride, true),
      // init_last_bn_before_add_to_0: each block starts as its skip path
      conv2: this.unit(`${name}.conv2`, cout, cout, kernel, ones(kernel.length), false, 0),
      pool: strided ? stride : null,
      projection: cin !== cout
        ? this.unit(`${name}.skip.${strided ? 1 : 0}`, cin, cout, ones(kernel.length), ones(kernel.length), false, 1, false)
        : null,
    };
  }

  private unit(name: string, cin: number, cout: number, kernel: number[], stride: number[], activate: boolean, normInit = 1, bias = this.spec.convBias): Unit {
    return {
      conv: this.conv(`${name}.conv`, [...kernel, cin, cout], bias, stride, kernel.map((k) => (k - 1) >> 1), 'conv'),
      gamma: this.param(`${name}.norm.weight`, [cout], normInit === 1 ? 'one' : 'zero'),
      beta: this.param(`${name}.norm.bias`, [cout], 'zero'),
      activate,
    };
  }

  private conv(name: string, shape: number[], bias: boolean, stride: number[], pad: number[], role: 'conv' | 'transposed'): Conv {
    return {
      w: this.param(`${name}.weight`, shape, role),
      b: bias ? this.param(`${name}.bias`, [shape[shape.length - (role === 'conv' ? 1 : 2)]], 'zero') : null,
      stride,
      pad,
    };
  }

  private param(name: string, shape: number[], role: InitRole): tf.Variable {
    const value = tf.tidy(() => {
      if (role === 'one') return tf.ones(shape);
      if (role === 'zero') return tf.zeros(shape);
      const seed = this.seed === undefined ? undefined : this.seed * 7919 + this.params.length;
      return tf.randomNormal(shape, 0, heStd(shape), 'float32', seed);
    });
    const variable = tf.variable(value, true);
    value.dispose();
    this.params.push({ name, variable });
    return variable;
  }
}

function ones(n: number): number[] {
  return new Array(n).fill(1);
}

function zeros(n: number): number[] {
  return new Array(n).fill(0);
}

/** kernel == stride average pooling (the ResNet-D skip) */
function avgPool(x: tf.Tensor, stride: number[]): tf.Tensor {
  return x.rank === 5
    ? tf.avgPool3d(x as tf.Tensor5D, stride as [number, number, number], stride as [number, number, number], 'valid')
    : tf.avgPool(x as tf.Tensor4D, stride as [number, number], stride as [number, number], 'valid');
}
