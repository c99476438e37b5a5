"""Pretrain an MLP on one Fashion-MNIST subset with PyTorch (CPU), resumably.

Inputs: `subset` (a builtin:subset folder: indices.npy), optionally `dataset`.
Writes model.safetensors (the built-in trainer's MLP format) and metrics.json.
"""
import os
import sys

sys.dont_write_bytecode = True   # a __pycache__ beside the code would change what `code:` hashes

import numpy as np
import torch

from common import (MLP, axis_or_top, evaluate, fashion, params, save_mlp, setup,
                    train_resumable, write_metrics)

p = params()
width, depth = axis_or_top(p, "model", "width", 64), axis_or_top(p, "model", "depth", 1)
epochs, seed = p.get("epochs", 3), p.get("seed", 0)
setup(seed)

indices = torch.from_numpy(np.load(os.path.join(os.environ["XGRAPH_IN_SUBSET"], "indices.npy")).astype(np.int64))
images, labels = fashion("train")
x, y = images[indices], labels[indices]
print(f"{os.environ['XGRAPH_NODE']}: {len(x)} images, MLP {width}x{depth}, {epochs} epochs", flush=True)

model = MLP(width, depth)
opt = torch.optim.SGD(model.parameters(), lr=p.get("lr", 0.05), momentum=p.get("momentum", 0.9),
                      weight_decay=p.get("weight_decay", 0.0))
losses = train_resumable(model, opt, x, y, epochs, p.get("batch_size", 64), seed,
                         log=lambda s: print(s, flush=True))

test = evaluate(model, *fashion("t10k"))
save_mlp(model, os.path.join(os.environ["XGRAPH_OUT"], "model.safetensors"), width, depth)
write_metrics({"test_accuracy": test["accuracy"], "test_loss": test["loss"],
               "train_loss": losses[str(epochs)], "loss_curve": losses, "epochs": epochs,
               "train_examples": len(x)})
