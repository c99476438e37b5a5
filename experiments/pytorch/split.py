"""The probe's downstream split, disjoint by construction (numpy only, so that it is tested
without torch: Tests/CLITests/PyTorchSplitTests.swift).

One fixed shuffle of the test images; the first half is the pool a probe trains on, the second
half the evaluation set, both restricted to the task's classes. A probe takes its training
examples from the pool only, so however many it asks for, none is an evaluation image; asking
for more than the pool holds is an error, not an overlap. (The builtin transfer split has the
same shape, 5,000 + 5,000 of the test images, with its own shuffle.)
"""
import numpy as np

SPLIT_SEED = 12345


def transfer_split(labels, classes, n_train=None, seed=SPLIT_SEED):
    """(train rows, eval rows) into `labels` (the test labels), for a task over `classes`."""
    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(labels))
    half = len(labels) // 2
    keep = np.isin(labels, list(classes))
    pool = order[:half][keep[order[:half]]]
    held = order[half:][keep[order[half:]]]
    if n_train is None:
        n_train = len(pool)
    if n_train > len(pool):
        raise ValueError(f"train_examples is {n_train}, but the training half holds only {len(pool)} "
                         f"images of classes {sorted(classes)}")
    return pool[:n_train], held
