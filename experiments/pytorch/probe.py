"""A linear probe in PyTorch on a backbone that builtin:pretrain trained (or pretrain.py), on a
task of classes pretraining never saw (the node's task: `classes`, e.g. the four tops).

Input: `checkpoint` (a folder holding model.safetensors in the xgraph-mlp format), optionally
`dataset`. The backbone is frozen; a new head is trained as builtin:transfer's `frozen` mode
trains it (20 epochs, lr 0.05, no weight decay, cosine, batch 128) on the training half of the
test images of the task's classes and scored on the other half: split.py, disjoint by
construction. Writes model.safetensors (backbone + new head) and metrics.json.
"""
import os
import sys

sys.dont_write_bytecode = True   # a __pycache__ beside the code would change what `code:` hashes

import torch
import torch.nn as nn

from common import (axis_or_top, builtin_optimiser, cosine, evaluate, fashion, load_mlp, params, planned_epochs,
                    save_mlp, setup, train_resumable, write_metrics)
from split import transfer_split

# builtin:transfer's `frozen` defaults (docs/builtins.md).
DEFAULTS = {"epochs": 20, "batch_size": 128, "lr": 0.05, "weight_decay": 0.0}

p = params()
seed = p.get("seed", 0)
classes = sorted(axis_or_top(p, "task", "classes", list(range(10))))
setup(seed)

model, meta = load_mlp(os.path.join(os.environ["XGRAPH_IN_CHECKPOINT"], "model.safetensors"))
width, depth = int(meta["width"]), int(meta["depth"])
for w in model.parameters():
    w.requires_grad_(False)
head_index = len(model.layers) - 1
model.layers[head_index] = nn.Linear(width if depth > 0 else 784, len(classes))   # new head, seeded above

images, labels = fashion("t10k")
train, held_out = transfer_split(labels.numpy(), classes, p.get("train_examples"))
position = {c: i for i, c in enumerate(classes)}
relabel = lambda rows: torch.tensor([position[int(c)] for c in labels[torch.from_numpy(rows)]])
x, y = images[torch.from_numpy(train)], relabel(train)
epochs = planned_epochs(len(x), p, DEFAULTS)
batch = p.get("batch_size", DEFAULTS["batch_size"])
print(f"{os.environ['XGRAPH_NODE']}: probe on {meta['width']}x{meta['depth']} backbone, classes {classes}, "
      f"{len(train)} train / {len(held_out)} eval images, {epochs} epochs", flush=True)

opt = builtin_optimiser(model, p, DEFAULTS)
losses = train_resumable(model, opt, x, y, epochs, batch, seed, log=lambda s: print(s, flush=True),
                         rate=cosine(p.get("lr", DEFAULTS["lr"]), epochs * -(-len(x) // batch)))

result = evaluate(model, images[torch.from_numpy(held_out)], relabel(held_out))
save_mlp(model, os.path.join(os.environ["XGRAPH_OUT"], "model.safetensors"), width, depth, classes=len(classes))
write_metrics({"accuracy": result["accuracy"], "loss": result["loss"], "train_loss": losses[str(epochs)],
               "loss_curve": losses, "epochs": epochs, "train_examples": len(train),
               "eval_examples": len(held_out), "classes": len(classes)})
