/**
 * A trained UNet as an ONNX graph (opset 17, standard ops only): the full-resolution head, logits out. It walks the
 * layers of the UNet object itself and restates `UNet.apply`'s dataflow node by node:
 *   unit      = Conv(pads k//2, strides) -> InstanceNormalization -> LeakyRelu (when the unit has a nonlinearity)
 *   ResEnc    = Add(unit2(unit1(x)), [AveragePool(kernel = stride)] -> [1x1 projection unit]) -> LeakyRelu
 *   decoder   = ConvTranspose(kernel = stride) -> Concat(upsampled, skip) on channels -> units
 * Layout is ONNX's NC(D)HW; weights are transposed from tfjs's channels-last filters to PyTorch's
 * [Cout, Cin, ...k] / [Cin, Cout, ...k] and keep the state_dict names. Batch and spatial axes are dynamic.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Conv, ResBlock, UNet, Unit } from '../../nn/unet/index.js';
import { ATTR, FLOAT, type AttributeProto, type Dimension, type GraphProto, type NodeProto, type TensorProto } from './proto.js';

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';

/** The symbolic names of the dynamic axes, in graph order (batch first, then spatial). */
export function dynamicAxes(dim: 2 | 3): string[] {
  return ['batch', ...(dim === 3 ? ['depth', 'height', 'width'] : ['height', 'width'])];
}

/** Spatial sizes must be multiples of the product of the strides, or skip and upsampled tensors disagree. */
export function spatialDivisor(net: UNet): number[] {
  return net.spec.strides.reduce((acc, s) => acc.map((a, i) => a * s[i]), new Array<number>(net.spec.dim).fill(1));
}

const ints = (name: string, values: number[]): AttributeProto => ({ name, type: ATTR.INTS, ints: values });
const float = (name: string, f: number): AttributeProto => ({ name, type: ATTR.FLOAT, f });
const int = (name: string, i: number): AttributeProto => ({ name, type: ATTR.INT, i });

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names: Map<tf.Variable, string>;

  constructor(private readonly net: UNet) {
    this.names = new Map(net.params.map((p) => [p.variable, p.name]));
  }

  node(opType: string, name: string, input: string[], attribute: AttributeProto[] = []): string {
    this.nodes.push({ opType, name, input, output: [name], attribute });
    return name;
  }

  /** The parameter as an initializer under its state_dict name, values as stored (norm weights, biases). */
  private weight(v: tf.Variable): string {
    return this.initializer(v, v.dataSync() as Float32Array, v.shape);
  }

  /**
   * A filter in PyTorch's layout: tfjs [...k, A, B] -> torch [B, A, ...k], which is conv [...k, Cin, Cout] ->
   * [Cout, Cin, ...k] and transposed conv [...k, Cout, Cin] -> [Cin, Cout, ...k] alike. A plain loop: tfjs's generic
   * rank-5 transpose takes minutes on a 30M-parameter network.
   */
  private filter(v: tf.Variable): string {
    const src = v.dataSync() as Float32Array;
    const [A, B] = v.shape.slice(-2);
    const K = src.length / (A * B);
    const dst = new Float32Array(src.length);
    for (let k = 0; k < K; k++) {
      for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) dst[(b * A + a) * K + k] = src[(k * A + a) * B + b];
    }
    return this.initializer(v, dst, [B, A, ...v.shape.slice(0, -2)]);
  }

  private initializer(v: tf.Variable, data: Float32Array, dims: number[]): string {
    const name = this.names.get(v);
    if (!name) throw new Error('ONNX export: a layer variable is not among the network parameters');
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  private prefix(v: tf.Variable): string {
    return this.names.get(v)!.replace(/\.weight$/, '');
  }

  conv(c: Conv, x: string, output = this.prefix(c.w)): string {
    const inputs = [x, this.filter(c.w), ...(c.b ? [this.weight(c.b)] : [])];
    const kernel = c.w.shape.slice(0, c.w.rank - 2);
    return this.node('Conv', output, inputs, [ints('kernel_shape', kernel), ints('strides', c.stride), ints('pads', [...c.pad, ...c.pad])]);
  }

  convTranspose(c: Conv, x: string): string {
    const inputs = [x, this.filter(c.w), ...(c.b ? [this.weight(c.b)] : [])];
    return this.node('ConvTranspose', this.prefix(c.w), inputs, [ints('kernel_shape', c.stride), ints('strides', c.stride)]);
  }

  unit(u: Unit, x: string): string {
    const y = this.conv(u.conv, x);
    const base = this.prefix(u.conv.w).replace(/\.conv$/, '');
    const n = this.node('InstanceNormalization', `${base}.norm`, [y, this.weight(u.gamma), this.weight(u.beta)],
      [float('epsilon', this.net.spec.normEps)]);
    return u.activate ? this.leakyRelu(`${base}.nonlin`, n) : n;
  }

  leakyRelu(name: string, x: string): string {
    return this.node('LeakyRelu', name, [x], [float('alpha', this.net.spec.slope)]);
  }

  block(b: ResBlock, x: string): string {
    const base = this.prefix(b.conv1.conv.w).replace(/\.conv1\.conv$/, '');
    let residual = x;
    if (b.pool) residual = this.node('AveragePool', `${base}.skip.0`, [residual], [ints('kernel_shape', b.pool), ints('strides', b.pool)]);
    if (b.projection) residual = this.unit(b.projection, residual);
    const sum = this.node('Add', `${base}.add`, [this.unit(b.conv2, this.unit(b.conv1, x)), residual]);
    return this.leakyRelu(`${base}.nonlin`, sum);
  }
}

/** The graph of `net.apply(x)` (deep supervision off) with x as NC(D)HW float32. */
export function unetGraph(net: UNet, name: string): GraphProto {
  const g = new GraphBuilder(net);
  let h = net.stem ? g.unit(net.stem, INPUT_NAME) : INPUT_NAME;
  const skips: string[] = [];
  for (const stage of net.encoder) {
    if ('units' in stage) for (const u of stage.units) h = g.unit(u, h);
    else for (const b of stage.blocks) h = g.block(b, h);
    skips.push(h);
  }
  let low = skips[skips.length - 1];
  for (let j = 0; j < net.transp.length; j++) {
    const up = g.convTranspose(net.transp[j], low);
    let d = g.node('Concat', `decoder.stages.${j}.concat`, [up, skips[skips.length - 2 - j]], [int('axis', 1)]);
    for (const u of net.decoder[j]) d = g.unit(u, d);
    low = d;
  }
  g.conv(net.heads[net.heads.length - 1], low, OUTPUT_NAME);
  const [batch, ...spatial] = dynamicAxes(net.spec.dim);
  const shape = (channels: number): Dimension[] => [{ dimParam: batch }, { dimValue: channels }, ...spatial.map((dimParam) => ({ dimParam }))];
  const value = (valueName: string, channels: number) => ({ name: valueName, type: { tensorType: { elemType: FLOAT, shape: { dim: shape(channels) } } } });
  return {
    name,
    node: g.nodes,
    initializer: g.initializers,
    input: [value(INPUT_NAME, net.spec.inputChannels)],
    output: [value(OUTPUT_NAME, net.spec.numClasses)],
  };
}
