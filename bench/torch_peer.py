#!/usr/bin/env python3
"""PyTorch peer of bench/run.ts: the same reversible stage (squeeze stem, basic RevNet units,
BatchNorm-ReLU head, global average pooling, dense, softmax cross-entropy), its weights and batch
read from safetensors files written by the engine's own writer (HWIO -> OIHW, NHWC -> NCHW).

Speaks JSON lines on stdin/stdout, one answer per request, so that bench/run.ts can interleave its
own repetitions with these. Requests: {"cmd": "load", ...}, {"cmd": "check", ...},
{"cmd": "time", "what": "forward"|"step", "times": n}, {"cmd": "saved_bytes"}, {"cmd": "quit"}.
Standard library and torch only."""
import json
import struct
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:  # the bench reports this line and skips the peer
    print(json.dumps({"ok": False, "unavailable": f"PyTorch is not installed for {sys.executable} ({error})"}), flush=True)
    sys.exit(0)

EPSILON = 1e-5
MOMENTUM = 0.1  # PyTorch's convention for the engine's 0.9


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    data = raw[8 + header_len:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32)
        tensors[name] = values.reshape(entry["shape"]).clone()
    return tensors


def write_safetensors(path, tensors):
    header, pieces, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32).cpu()
        b = t.numpy().tobytes() if hasattr(t, "numpy") else bytes(t.untyped_storage())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        pieces.append(b)
    text = json.dumps(header)
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in pieces:
            f.write(b)


def hwio_to_oihw(w):
    return w.permute(3, 2, 0, 1).contiguous()


def oihw_to_hwio(w):
    return w.permute(2, 3, 1, 0).contiguous()


def squeeze(x):
    """space-to-depth 2x2 on NCHW with the engine's channel order (dy*2 + dx)*C + c"""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


class Peer:
    def __init__(self, weights, depth):
        self.depth = depth
        self.params, self.buffers = {}, {}
        for name, t in weights.items():
            if name.endswith(".mean") or name.endswith(".variance"):
                self.buffers[name] = t.detach().clone()
            elif name.endswith(".weight") and t.dim() == 4:
                self.params[name] = hwio_to_oihw(t.detach()).requires_grad_(True)
            else:
                self.params[name] = t.detach().clone().requires_grad_(True)

    def bn_relu(self, name, x, training):
        out = F.batch_norm(x, self.buffers[name + ".mean"], self.buffers[name + ".variance"],
                           self.params[name + ".gamma"], self.params[name + ".beta"],
                           training=training, momentum=MOMENTUM, eps=EPSILON)
        return F.relu(out)

    def residual(self, prefix, x, training):
        h = x
        for layer in ("1", "2"):
            bn = f"{prefix}.bn{layer}"
            if bn + ".gamma" in self.params:
                h = self.bn_relu(bn, h, training)
            h = F.conv2d(h, self.params[f"{prefix}.conv{layer}.weight"], padding=1)
        return h

    def trunk(self, images, training):
        x = squeeze(images)
        x1, x2 = torch.chunk(x, 2, dim=1)
        for u in range(self.depth):
            unit = f"stage1.unit{u}"
            y1 = x1 + self.residual(unit + ".f", x2, training)
            y2 = x2 + self.residual(unit + ".g", y1, training)
            x1, x2 = y1, y2
        return torch.cat([x1, x2], dim=1)

    def head(self, features, training):
        h = self.bn_relu("head.bn", features, training).mean(dim=(2, 3))
        return h @ self.params["head.fc.weight"] + self.params["head.fc.bias"]

    def loss(self, logits, labels):
        return F.cross_entropy(logits, labels)

    def forward_inference(self, images):
        with torch.no_grad():
            return self.head(self.trunk(images, False), False)

    def step(self, images, labels):
        for p in self.params.values():
            p.grad = None
        features = self.trunk(images, True)
        logits = self.head(features, True)
        loss = self.loss(logits, labels)
        loss.backward()
        return features, logits, loss


def saved_activation_bytes(peer, images, labels):
    """bytes of the distinct tensors autograd saves for backward in one standard step (parameters excluded)"""
    param_ptrs = {p.data_ptr() for p in peer.params.values()}
    seen = {}

    def pack(t):
        ptr = t.data_ptr()
        if ptr not in param_ptrs:
            size = t.untyped_storage().nbytes() if hasattr(t, "untyped_storage") else t.storage().nbytes()
            seen[ptr] = max(seen.get(ptr, 0), size)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        peer.step(images, labels)
    return sum(seen.values())


def main():
    peer = images = labels = None
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        try:
            if cmd == "hello":
                torch.set_num_threads(int(request["threads"]))
                try:
                    torch.set_num_interop_threads(int(request["threads"]))
                except RuntimeError:
                    pass
                answer = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                          "interop_threads": torch.get_num_interop_threads(), "python": sys.version.split()[0]}
            elif cmd == "load":
                weights = read_safetensors(request["weights"])
                batch = read_safetensors(request["batch"])
                peer = Peer(weights, int(request["depth"]))
                images = batch["images"].permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
                labels = batch["labels"].to(torch.int64)
                answer = {"params": len(peer.params), "buffers": len(peer.buffers)}
            elif cmd == "check":
                # float32 (what is timed) and float64 (the reference both float32 results are judged against),
                # each from fresh weights: inference first (the initial running statistics), then one standard step
                weights = read_safetensors(request["weights"])
                out, losses = {}, {}
                for prefix, dtype in (("", torch.float32), ("f64.", torch.float64)):
                    fresh = Peer({k: v.to(dtype) for k, v in weights.items()}, peer.depth)
                    x = images.to(dtype)
                    inference = fresh.forward_inference(x)
                    features, logits, loss = fresh.step(x, labels)
                    out.update({prefix + "features": features.permute(0, 2, 3, 1), prefix + "logits": logits,
                                prefix + "inference_logits": inference})
                    for name, p in fresh.params.items():
                        g = p.grad
                        out[prefix + "grad." + name] = oihw_to_hwio(g) if g.dim() == 4 else g
                    losses[prefix + "loss"] = loss.item()
                write_safetensors(request["out"], out)
                answer = {"loss": losses["loss"], "loss64": losses["f64.loss"]}
            elif cmd == "time":
                samples = []
                for _ in range(int(request["times"])):
                    start = time.perf_counter()
                    if request["what"] == "forward":
                        peer.forward_inference(images)
                    else:
                        peer.step(images, labels)
                    samples.append((time.perf_counter() - start) * 1000)
                answer = {"ms": samples}
            elif cmd == "saved_bytes":
                answer = {"bytes": saved_activation_bytes(peer, images, labels)}
            elif cmd == "quit":
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                raise ValueError(f"unknown request {cmd}")
            answer["ok"] = True
        except Exception as error:  # reported to the bench, which stops with the message
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
