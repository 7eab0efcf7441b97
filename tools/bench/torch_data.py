"""The torchvision peer of `graphrun bench-data`, and the image folder both read.
  torch_data.py make DIR N            N 500x375 quality-90 JPEGs in 10 class folders (smooth
                                      synthetic pictures, deterministic)
  torch_data.py bench DIR WORKERS     ImageFolder + Resize(256) + CenterCrop(256) + RandomCrop(227)
                                      + RandomHorizontalFlip + ToTensor + Normalize through a
                                      DataLoader with WORKERS workers; prints img/s
Run with /usr/bin/python3 (Debian's python3-torch and python3-torchvision)."""
import pathlib
import sys
import time

import numpy as np


def make(root, n):
    from PIL import Image
    root = pathlib.Path(root)
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:375, 0:500].astype(np.float32)
    for i in range(n):
        d = root / f"class_{i % 10:02d}"
        d.mkdir(parents=True, exist_ok=True)
        a, b, c = rng.uniform(0.005, 0.05, 3)
        phase = rng.uniform(0, 6, 3)
        rgb = np.stack([128 + 100 * np.sin(a * xx + b * yy + phase[k]) * np.cos(c * (xx - yy) + k) for k in range(3)], 2)
        rgb += rng.normal(0, 8, rgb.shape)
        Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(d / f"img_{i:05d}.jpg", "JPEG", quality=90)


def bench(root, workers, batch_size=128):
    import torch
    from torchvision import datasets, transforms
    t = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(256), transforms.RandomCrop(227),
                            transforms.RandomHorizontalFlip(), transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    data = datasets.ImageFolder(root, t)
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True)
    start = time.perf_counter()
    images = 0
    for x, _ in loader:
        images += x.shape[0]
    s = time.perf_counter() - start
    print(f"torchvision workers {workers}: {images} images in {s:.2f} s: {images / s:.1f} img/s "
          f"({images / s / max(workers, 1):.1f} img/s per worker)")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        bench(sys.argv[2], int(sys.argv[3]))
