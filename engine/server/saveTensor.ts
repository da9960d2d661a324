// Writes a small tensor from the panel as a float32 .npy (the path was chosen by the user).
import type { SaveTensorParams } from '../../protocol/engineApi';
import { writeNpy } from '../io/npy';
import { checkNotModelFile } from '../io/overwriteGuard';

export async function saveTensor({ tensor, path }: SaveTensorParams): Promise<void> {
  checkNotModelFile(path);
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (!tensor.shape.every((d) => Number.isInteger(d) && d >= 0) || size !== tensor.data.length) {
    throw new Error(`cannot save to ${path}: shape [${tensor.shape.join(', ')}] does not match ${tensor.data.length} values`);
  }
  await writeNpy(path, { shape: tensor.shape, data: Float32Array.from(tensor.data) });
}
