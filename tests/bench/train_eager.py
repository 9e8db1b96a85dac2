#!/usr/bin/env python3
"""The mlp-fashion training step written in idiomatic PyTorch eager, as the baseline for
`sparq-cli bench train`. Same data, model (784-512-256-10), Adam, batch 128, thread count.
Prints one JSON object like the CLI: samples_per_s, step_ms, threads."""
import argparse, gzip, json, os, time

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path, dims):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(data, base):
    for ext in ("", ".gz"):
        if os.path.exists(os.path.join(data, base + ext)):
            return os.path.join(data, base + ext)
    raise SystemExit(f"{base} not found in {data}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)

    x = torch.from_numpy(read_idx(find(a.data, "train-images-idx3-ubyte"), 3).copy())
    x = (x.reshape(-1, 784).float() / 255.0 - 0.2860) / 0.3530
    y = torch.from_numpy(read_idx(find(a.data, "train-labels-idx1-ubyte"), 1).astype(np.int64))

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = 128

    def run(steps):
        perm = torch.randperm(x.shape[0])
        total = 0.0
        for b in range(steps):
            idx = perm[(b * batch) % 59904:][:batch]
            t0 = time.perf_counter()
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()
            total += time.perf_counter() - t0
        return total / steps

    run(20)  # warm-up
    times = sorted(run(a.steps) for _ in range(a.repeats))
    step = times[len(times) // 2]
    print(json.dumps({"impl": "pytorch-eager", "torch": torch.__version__,
                      "samples_per_s": batch / step, "step_ms": step * 1e3,
                      "threads": a.threads, "steps": a.steps, "repeats": a.repeats}))


if __name__ == "__main__":
    main()
