"""What the PyTorch steps of pytorch-fashion.yaml share: the step contract, the data, the model.

xgraph hands a step everything through environment variables (docs/pytorch.md):
XGRAPH_PARAMS (a JSON file), XGRAPH_OUT (an empty folder for the results), XGRAPH_IN_<NAME>
(upstream folders, read-only) and XGRAPH_RESUME (scratch kept across failed attempts).
"""
import gzip
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file

# Debian's dataset-fashion-mnist; a step may pass another copy as its `dataset` input.
FASHION = "/usr/share/datasets/fashion-mnist"


def params():
    with open(os.environ["XGRAPH_PARAMS"]) as f:
        return json.load(f)


def axis_or_top(p, axis, key, default):
    """A value from a declared axis (e.g. the capacity's `width`), else the step's params."""
    a = p.get(axis)
    if isinstance(a, dict) and key in a:
        return a[key]
    return p.get(key, default)


def setup(seed):
    # One thread and fixed seeds: the same inputs give the same bytes, so xgraph can cut off
    # dependents when a re-run changes nothing (and 2-core machines are not oversubscribed).
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def _idx(path):
    if not os.path.exists(path) and os.path.exists(path[:-3]):
        path = path[:-3]                      # an already-gunzipped copy
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion(split):
    """(images float32 [n, 784] in [0, 1], labels int64 [n]) of `train` or `t10k`."""
    folder = os.environ.get("XGRAPH_IN_DATASET", FASHION)
    images = _idx(f"{folder}/{split}-images-idx3-ubyte.gz").reshape(-1, 784)
    labels = _idx(f"{folder}/{split}-labels-idx1-ubyte.gz")
    return (torch.from_numpy(images.astype(np.float32) / 255.0),
            torch.from_numpy(labels.astype(np.int64)))


class MLP(nn.Module):
    """The built-in trainer's MLP (docs/builtins.md): its checkpoints load into this module."""

    def __init__(self, width, depth, classes=10):
        super().__init__()
        dims = [784] + [width] * depth
        mods = []
        for a, b in zip(dims, dims[1:]):
            mods += [nn.Linear(a, b), nn.ReLU()]
        self.layers = nn.Sequential(*mods, nn.Linear(dims[-1], classes))

    def forward(self, x):
        return self.layers(x)


def load_mlp(path):
    """A model.safetensors in the xgraph-mlp format, from builtin:pretrain or from save_mlp."""
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    assert meta.get("format") == "xgraph-mlp", f"{path}: not an xgraph-mlp checkpoint"
    model = MLP(int(meta["width"]), int(meta["depth"]), int(meta["classes"]))
    model.load_state_dict(load_file(path))
    return model, meta


def save_mlp(model, path, width, depth, classes=10, labels="fine"):
    """Writes the safetensors file by hand, as the built-in trainer does: the header is canonical
    JSON (sorted keys), so equal weights give equal bytes. safetensors' save_file orders the
    metadata differently from run to run, which would make every re-run look like a change."""
    meta = {"format": "xgraph-mlp", "format_version": "1", "input": "784", "width": str(width),
            "depth": str(depth), "classes": str(classes), "activation": "relu", "labels": labels}
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name, tensor in model.state_dict().items():          # layer order
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        f.writelines(blobs)


def builtin_optimiser(model, p, defaults):
    """SGD as builtin:pretrain and builtin:transfer run it (docs/builtins.md): momentum, weight
    decay on weight matrices only (not biases), so one grid can hold both trainers' runs."""
    weights = [w for name, w in model.named_parameters() if w.requires_grad and name.endswith("weight")]
    biases = [w for name, w in model.named_parameters() if w.requires_grad and not name.endswith("weight")]
    lr = p.get("lr", defaults["lr"])
    return torch.optim.SGD([{"params": weights, "weight_decay": p.get("weight_decay", defaults["weight_decay"])},
                            {"params": biases, "weight_decay": 0.0}],
                           lr=lr, momentum=p.get("momentum", 0.9))


def planned_epochs(n, p, defaults):
    """builtin's rule: `epochs`, lengthened to whole epochs covering `min_steps`."""
    per_epoch = -(-n // p.get("batch_size", defaults["batch_size"]))
    return max(p.get("epochs", defaults["epochs"]), -(-p.get("min_steps", 0) // per_epoch))


def cosine(base_lr, total_steps):
    """builtin's `cosine` schedule: the rate at step s of total, to 0 at the end."""
    return lambda s: base_lr * 0.5 * (1 + math.cos(math.pi * s / max(1, total_steps)))


def train_resumable(model, opt, x, y, epochs, batch_size, seed, log=print, rate=None):
    """SGD over (x, y) for `epochs`, saving model and optimizer into XGRAPH_RESUME after every
    epoch and continuing from there when a previous attempt was killed. Each epoch's shuffle is
    seeded by (seed, epoch), so a resumed run gives the same weights as one that never stopped.
    `rate(step)`, when given, sets the learning rate of every step (a function of the step
    number alone, so a resumed run follows the same schedule)."""
    resume = os.environ.get("XGRAPH_RESUME")
    state_path = resume and os.path.join(resume, "state.pt")
    start, losses = 0, {}
    if state_path and os.path.exists(state_path):
        state = torch.load(state_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start, losses = state["epoch"], state["losses"]
        log(f"resuming after epoch {start} from {state_path}")
    loss_fn = nn.CrossEntropyLoss()
    # A stand-in for preemption, to try resuming by hand: stop after saving this epoch.
    stop_after = int(os.environ.get("FASHION_STOP_AFTER_EPOCH", "0"))
    for epoch in range(start, epochs):
        g = torch.Generator().manual_seed(seed * 100003 + epoch)
        order = torch.randperm(len(x), generator=g)
        total, batches = 0.0, 0
        model.train()
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            if rate is not None:
                for group in opt.param_groups:
                    group["lr"] = rate(epoch * (-(-len(x) // batch_size)) + i // batch_size)
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total, batches = total + loss.item(), batches + 1
        losses[str(epoch + 1)] = total / batches
        log(f"epoch {epoch + 1}/{epochs}: train loss {losses[str(epoch + 1)]:.4f}")
        if state_path:
            tmp = state_path + ".tmp"
            torch.save({"epoch": epoch + 1, "model": model.state_dict(),
                        "optimizer": opt.state_dict(), "losses": losses}, tmp)
            os.replace(tmp, state_path)       # never a half-written state
        if epoch + 1 == stop_after and epoch + 1 < epochs:
            log(f"FASHION_STOP_AFTER_EPOCH={stop_after}: stopping as if preempted")
            raise SystemExit(3)
    return losses


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    logits = model(x)
    return {"accuracy": (logits.argmax(1) == y).float().mean().item(),
            "loss": nn.functional.cross_entropy(logits, y).item()}


def write_metrics(metrics):
    with open(os.path.join(os.environ["XGRAPH_OUT"], "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1, sort_keys=True)
