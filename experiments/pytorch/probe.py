"""A linear probe in PyTorch on a backbone that builtin:pretrain trained (or pretrain.py).

Input: `checkpoint` (a folder holding model.safetensors in the xgraph-mlp format), optionally
`dataset`. The backbone is frozen; a new head is trained on `train_examples` of the 10,000 test
images (which pretraining never sees) and scored on the last 5,000, after a fixed shuffle.
Writes model.safetensors (backbone + new head) and metrics.json.
"""
import os
import sys

sys.dont_write_bytecode = True   # a __pycache__ beside the code would change what `code:` hashes

import numpy as np
import torch
import torch.nn as nn

from common import evaluate, fashion, load_mlp, params, save_mlp, setup, train_resumable, write_metrics

p = params()
epochs, seed, n_train = p.get("epochs", 3), p.get("seed", 0), p.get("train_examples", 1000)
setup(seed)

model, meta = load_mlp(os.path.join(os.environ["XGRAPH_IN_CHECKPOINT"], "model.safetensors"))
width, depth = int(meta["width"]), int(meta["depth"])
for w in model.parameters():
    w.requires_grad_(False)
head_index = len(model.layers) - 1
model.layers[head_index] = nn.Linear(width if depth > 0 else 784, 10)   # new head, seeded above

images, labels = fashion("t10k")
order = torch.from_numpy(np.random.default_rng(12345).permutation(len(images)))
train, held_out = order[:n_train], order[-5000:]
print(f"{os.environ['XGRAPH_NODE']}: probe on {meta['width']}x{meta['depth']} backbone, "
      f"{n_train} examples, {epochs} epochs", flush=True)

opt = torch.optim.SGD(model.layers[head_index].parameters(), lr=p.get("lr", 0.05), momentum=0.9)
losses = train_resumable(model, opt, images[train], labels[train], epochs, p.get("batch_size", 64),
                         seed, log=lambda s: print(s, flush=True))

result = evaluate(model, images[held_out], labels[held_out])
save_mlp(model, os.path.join(os.environ["XGRAPH_OUT"], "model.safetensors"), width, depth)
write_metrics({"accuracy": result["accuracy"], "loss": result["loss"], "train_loss": losses[str(epochs)],
               "loss_curve": losses, "epochs": epochs, "train_examples": n_train,
               "eval_examples": len(held_out)})
