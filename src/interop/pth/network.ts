/** Our UNet from an nnU-Net checkpoint, and the checkpoint content of one of ours. */
import { assignWeights, CheckpointError } from '../../nn/checkpoint.js';
import { ensureBackend } from '../../nn/backend.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../nn/unet/index.js';
import type { NnunetCheckpoint, NnunetCheckpointContent } from './nnunet-checkpoint.js';

/**
 * Builds the network that `arch` describes and loads the checkpoint's weights into it. The architecture comes from
 * the model folder's plans.json (what nnU-Net itself builds from); an unknown network class is an error naming it.
 */
export async function networkFromCheckpoint(ckpt: NnunetCheckpoint, arch: PlansArchitecture, inputChannels: number, numClasses: number, file: string): Promise<UNet> {
  await ensureBackend();
  const net = new UNet(networkSpec(arch, inputChannels, numClasses));
  try {
    // load_state_dict(strict=True), as nnU-Net loads it: a key the network does not have is an error, not ignored
    const known = new Set(net.params.map((p) => p.name));
    const unexpected = [...ckpt.weights.keys()].filter((k) => !known.has(k));
    if (unexpected.length > 0) {
      throw new CheckpointError('CHECKPOINT_MISMATCH', `${file}: unexpected key(s) in network_weights for the network plans.json describes: ` +
        `${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` (+${unexpected.length - 5} more)` : ''}`, { file });
    }
    assignWeights(net, new Map([...ckpt.weights].map(([k, v]) => [k, v.data])), file);
    for (const p of net.params) {
      const got = ckpt.weights.get(p.name)!.shape;
      if (got.join() !== p.variable.shape.join()) {
        throw new CheckpointError('CHECKPOINT_MISMATCH', `${file}: ${p.name} has shape [${got}], the network from plans.json needs [${p.variable.shape}]`, { file });
      }
    }
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

/** Our network's parameters, in our layout, for nnunetCheckpointBuffer. */
export function networkParams(net: UNet): NnunetCheckpointContent['params'] {
  return net.params.map((p) => ({ name: p.name, shape: [...p.variable.shape], data: p.variable.dataSync() as Float32Array }));
}
