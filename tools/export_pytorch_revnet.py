#!/usr/bin/env python3
"""Export a PyTorch RevNet for `revnet import` (RevNet Inspector). Needs only torch (no `safetensors` package).

From your model and a sample batch it writes, for a PREFIX such as out/mymodel:

  PREFIX.safetensors    the state_dict, names and layouts as PyTorch has them, in state_dict order
                        (recorded in the header's __metadata__ "state_dict_order", which `revnet import` uses)
  PREFIX.inputs.npy     the batch exactly as your model's forward receives it, permuted to NHWC float32
  PREFIX.logits.npy     your model's logits for that batch in eval mode, float32 (N, classes)

then:  revnet import PREFIX.safetensors --config NAME.revnet.json --out DIR \\
           --check-inputs PREFIX.inputs.npy --check-logits PREFIX.logits.npy

As a library:
    sys.path.insert(0, "path/to/revnet-inspector/tools")
    from export_pytorch_revnet import export
    export(model, batch, "out/mymodel")            # batch: NCHW tensor, as your forward takes it

From the command line, with a function that builds your model (it is imported and called: your code):
    python3 export_pytorch_revnet.py mypackage.models:build_model --weights model.pt --batch batch.pt --out out/mymodel
    python3 export_pytorch_revnet.py mypackage.models:build_model --weights model.pt --random 16,1,28,28 --out out/mymodel
`--weights` is loaded with torch.load(..., weights_only=True) when your torch supports it.
"""
import argparse
import importlib
import json
import os
import struct
import sys

import torch

# dtypes written as they are; others (bfloat16, float64, ...) are written as float32
_DTYPES = {torch.float32: ('F32', '<f', 4), torch.float16: ('F16', '<e', 2), torch.int64: ('I64', '<q', 8), torch.int32: ('I32', '<i', 4)}


def _tensor_bytes(t, fmt):
    t = t.detach().cpu().contiguous()
    try:
        import numpy  # noqa: F401  (fast path; torch usually comes with numpy)
        return t.numpy().astype(fmt).tobytes()
    except ImportError:
        values = t.flatten().tolist()
        return struct.pack('<%d%s' % (len(values), fmt[1:]), *values)


def safetensors_bytes(state):
    """The safetensors format: 8-byte little-endian header length, a JSON header, the tensors' data."""
    header = {}
    chunks = []
    offset = 0
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise TypeError('state_dict entry %r is a %s, not a tensor' % (name, type(tensor).__name__))
        if tensor.dtype not in _DTYPES:
            tensor = tensor.float() if tensor.is_floating_point() else tensor.long()
        code, fmt, size = _DTYPES[tensor.dtype]
        data = _tensor_bytes(tensor, fmt)
        assert len(data) == tensor.numel() * size
        header[name] = {'dtype': code, 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header['__metadata__'] = {'format': 'pt', 'state_dict_order': json.dumps(list(state.keys()))}
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(chunks)


def npy_bytes(tensor):
    """A float32 .npy (version 1.0), C order."""
    tensor = tensor.detach().cpu().float().contiguous()
    shape = tuple(tensor.shape)
    shape_text = '(%s)' % (', '.join(str(d) for d in shape) + (',' if len(shape) == 1 else ''))
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1') + _tensor_bytes(tensor, '<f')


def _write(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def export(model, batch, prefix):
    """Writes PREFIX.safetensors, PREFIX.inputs.npy (NHWC) and PREFIX.logits.npy; returns the three paths.

    `batch` is an NCHW float tensor exactly as `model.forward` takes it (after any normalisation you apply).
    The model is put in eval mode (BatchNorm uses its running statistics) and left in eval mode.
    """
    if batch.dim() != 4:
        raise ValueError('batch must be NCHW (4-d), got shape %s' % (tuple(batch.shape),))
    if not batch.is_floating_point():
        raise ValueError('batch must be floating point (the values your model receives), got %s' % batch.dtype)
    model.eval()
    with torch.no_grad():
        logits = model(batch)
    if logits.dim() != 2 or logits.shape[0] != batch.shape[0]:
        raise ValueError('the model returned shape %s; expected logits (N, classes)' % (tuple(logits.shape),))
    paths = (prefix + '.safetensors', prefix + '.inputs.npy', prefix + '.logits.npy')
    _write(paths[0], safetensors_bytes(model.state_dict()))
    _write(paths[1], npy_bytes(batch.permute(0, 2, 3, 1)))
    _write(paths[2], npy_bytes(logits))
    return paths


def _load(path):
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except TypeError:  # torch before 1.13 has no weights_only
        return torch.load(path, map_location='cpu')


def main(argv=None):
    parser = argparse.ArgumentParser(description='Export a PyTorch RevNet for `revnet import`.')
    parser.add_argument('factory', help='MODULE:FUNCTION that returns your nn.Module (called without arguments)')
    parser.add_argument('--weights', help='a state_dict saved with torch.save, loaded into the model')
    parser.add_argument('--batch', help='a tensor saved with torch.save (NCHW) as the sample batch')
    parser.add_argument('--random', help='instead of --batch, a uniform [0, 1) batch of this NCHW shape, e.g. 16,1,28,28')
    parser.add_argument('--seed', type=int, default=0, help='seed of --random')
    parser.add_argument('--out', required=True, help='PREFIX of the three files, e.g. out/mymodel')
    args = parser.parse_args(argv)
    module_name, _, function = args.factory.partition(':')
    sys.path.insert(0, os.getcwd())
    model = getattr(importlib.import_module(module_name), function or 'build_model')()
    if args.weights:
        model.load_state_dict(_load(args.weights))
    if (args.batch is None) == (args.random is None):
        parser.error('give one of --batch FILE or --random N,C,H,W')
    if args.batch:
        batch = _load(args.batch)
    else:
        batch = torch.rand([int(d) for d in args.random.split(',')], generator=torch.Generator().manual_seed(args.seed))
    for path in export(model, batch, args.out):
        print('wrote', path)


if __name__ == '__main__':
    main()
