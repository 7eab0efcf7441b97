# The PyTorch peer on the CPU: the paper's AlexNet or VGG-16, inference or training steps, in each
# way a user would try to make it fast (eager, channels_last, torch.compile where the version has
# it, TorchScript frozen for inference), one JSON line per way. Runs under Debian's python3-torch
# (/usr/bin/python3) and under the PyPI one (tools/bench/peers_venv.sh) alike.
# usage: python torch_peer.py --model alexnet|vgg16 [--infer] [--batch 16] [--steps 5] [--threads 2]
import argparse, json, time, traceback
import torch, torch.nn as nn


def paper_alexnet():
    # As graphs/alexnet.pbtxt: Caffe's grouped convolutions and LRN, 227x227 input.
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4), nn.ReLU(inplace=True), nn.LocalResponseNorm(5, 5e-4, 0.75, 2.0), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), nn.LocalResponseNorm(5, 5e-4, 0.75, 2.0),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(inplace=True), nn.Dropout(),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 1000)), 227


def vgg16():
    # As graphs/vgg16.pbtxt: configuration D, 224x224 input.
    layers, channels = [], 3
    for width in (64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'):
        if width == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
            channels = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(),
                         nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(), nn.Linear(4096, 1000)), 224


def variants(infer):
    names = ['eager', 'channels_last']
    if hasattr(torch, 'compile'):
        names.append('compile')
    if infer:
        names.append('jit_frozen')
    return names


def make_step(model_fn, variant, infer, batch):
    torch.manual_seed(0)
    model, size = model_fn()
    x, y = torch.randn(batch, 3, size, size), torch.randint(0, 1000, (batch,))
    if variant == 'channels_last':
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    if infer:
        model.eval()
        if variant == 'jit_frozen':
            with torch.no_grad():
                model = torch.jit.optimize_for_inference(torch.jit.script(model))
        elif variant == 'compile':
            model = torch.compile(model)

        def step():
            with torch.no_grad():
                model(x)
        return step
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    forward = torch.compile(model) if variant == 'compile' else model

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(forward(x), y).backward()
        opt.step()
    return step


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', choices=['alexnet', 'vgg16'], default='alexnet')
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--infer', action='store_true')
    p.add_argument('--variants', help='comma-separated; default: every one this torch has')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model_fn = {'alexnet': paper_alexnet, 'vgg16': vgg16}[a.model]
    for variant in (a.variants.split(',') if a.variants else variants(a.infer)):
        out = dict(peer='pytorch-' + torch.__version__, variant=variant, model=a.model,
                   mode='infer' if a.infer else 'train', batch=a.batch, threads=a.threads)
        try:
            step = make_step(model_fn, variant, a.infer, a.batch)
            step(), step()  # warm-up: oneDNN primitives, the compiler, the JIT's profiling runs
            times = []
            for _ in range(a.steps):
                t = time.perf_counter()
                step()
                times.append(time.perf_counter() - t)
            ms = sorted(times)[len(times) // 2]
            out.update(ms_per_step=round(ms * 1000, 1), img_s=round(a.batch / ms, 2))
        except Exception as e:  # one way failing (no compiler for torch.compile) leaves the others
            out['error'] = f'{type(e).__name__}: {e}'.splitlines()[0][:200]
            traceback.print_exc()
        print(json.dumps(out), flush=True)


main()
