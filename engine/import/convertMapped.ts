// The mapped tensors of the user's file in this project's names and layouts: OIHW -> HWIO, [out, in] -> [in, out],
// and the first dense layer after a flatten head reordered from PyTorch's NCHW flatten to ours (NHWC).
import { oihwToHwio, permuteFlattenRows, transposeMatrix } from '../io/pytorchLayout';
import type { Architecture } from '../model/architecture';
import type { HostTensor } from '../model/network';
import { ImportError, type Mapping } from './mapping';

function toFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array) return Float32Array.from(data);
  throw new ImportError('not a floating-point tensor');
}

export function convertMapped(mapping: Mapping, architecture: Architecture): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const flattenTarget = architecture.head.hidden !== undefined ? 'head.hidden.weight' : 'head.fc.weight';
  const [height, width, channels] = architecture.trunkShape;
  for (const { source, target } of mapping.pairs) {
    const data = toFloat32(source.tensor.data);
    switch (target.role) {
      case 'conv':
        out.set(target.ourName, oihwToHwio(source.tensor.shape, data));
        break;
      case 'linear': {
        let dense = transposeMatrix(source.tensor.shape, data);
        if (target.ourName === flattenTarget && architecture.head.pool === 'flatten' && height * width > 1) {
          const permuted = permuteFlattenRows(dense, { height, width, channels });
          if (typeof permuted === 'string') throw new ImportError(`"${source.name}": ${permuted}`);
          dense = permuted;
        }
        out.set(target.ourName, dense);
        break;
      }
      case 'bias':
      case 'bn-weight':
      case 'bn-bias':
      case 'bn-mean':
      case 'bn-var':
        out.set(target.ourName, { shape: [...source.tensor.shape], data });
        break;
    }
  }
  return out;
}
