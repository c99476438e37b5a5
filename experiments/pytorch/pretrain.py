"""Pretrain an MLP on one Fashion-MNIST subset with PyTorch (CPU), resumably, the way
builtin:pretrain does: the subset's classes only (subset.json's `classes`), its noisy labels when
it has them (labels.npy), SGD with momentum and weight decay on the weights, a cosine schedule
over every step, and `epochs` lengthened to cover `min_steps`. With the same parameters the two
trainers' runs are one grid (pytorch-fashion.yaml).

Inputs: `subset` (a builtin:subset folder), optionally `dataset`.
Writes model.safetensors (the built-in trainer's MLP format) and metrics.json.
"""
import json
import os
import sys

sys.dont_write_bytecode = True   # a __pycache__ beside the code would change what `code:` hashes

import numpy as np
import torch

from common import (MLP, axis_or_top, builtin_optimiser, cosine, evaluate, fashion, params, planned_epochs,
                    save_mlp, setup, train_resumable, write_metrics)

# builtin:pretrain's defaults (docs/builtins.md).
DEFAULTS = {"epochs": 10, "batch_size": 128, "lr": 0.05, "weight_decay": 5e-4}

p = params()
width, depth = axis_or_top(p, "model", "width", 64), axis_or_top(p, "model", "depth", 1)
seed = p.get("seed", 0)
setup(seed)

folder = os.environ["XGRAPH_IN_SUBSET"]
indices = np.load(os.path.join(folder, "indices.npy")).astype(np.int64)
with open(os.path.join(folder, "subset.json")) as f:
    classes = json.load(f).get("classes", list(range(10)))
images, labels = fashion("train")
fine = (np.load(os.path.join(folder, "labels.npy")).astype(np.int64)
        if os.path.exists(os.path.join(folder, "labels.npy")) else labels.numpy()[indices])
position = {c: i for i, c in enumerate(sorted(classes))}      # fine labels in class order
x = images[torch.from_numpy(indices)]
y = torch.tensor([position[int(c)] for c in fine])
epochs = planned_epochs(len(x), p, DEFAULTS)
batch = p.get("batch_size", DEFAULTS["batch_size"])
steps = epochs * -(-len(x) // batch)
print(f"{os.environ['XGRAPH_NODE']}: {len(x)} images of classes {sorted(classes)}, MLP {width}x{depth}, "
      f"{epochs} epochs ({steps} steps)", flush=True)

model = MLP(width, depth, len(classes))
opt = builtin_optimiser(model, p, DEFAULTS)
losses = train_resumable(model, opt, x, y, epochs, batch, seed, log=lambda s: print(s, flush=True),
                         rate=cosine(p.get("lr", DEFAULTS["lr"]), steps))

# Held out: the test images of the same classes, clean labels.
test_x, test_y = fashion("t10k")
mask = torch.tensor(np.isin(test_y.numpy(), classes))
test = evaluate(model, test_x[mask], torch.tensor([position[int(c)] for c in test_y[mask]]))
save_mlp(model, os.path.join(os.environ["XGRAPH_OUT"], "model.safetensors"), width, depth, classes=len(classes))
write_metrics({"test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "train_loss": losses[str(epochs)], "loss_curve": losses, "epochs": epochs, "steps": steps,
               "train_examples": len(x)})
